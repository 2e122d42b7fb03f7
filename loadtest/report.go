package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

func writeJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeTable prints the report as Markdown, ready for BENCHMARKS.md.
func writeTable(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "velro bench %s, %s\n", r.URL, r.StartedAt.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "machine: %d CPUs (GOMAXPROCS %d), load average %s at start, %s at end\n",
		r.Machine.CPUs, r.Machine.GOMAXPROCS, orDash(r.Machine.LoadStart), orDash(r.Machine.LoadEnd))
	server := "dependencies " + orDash(strings.Join(r.Server.Dependencies, ", "))
	if r.Server.RSSStartBytes > 0 {
		server += "; RSS at start " + megabytes(r.Server.RSSStartBytes)
	} else if r.Server.MetricsError != "" {
		server += "; /metrics not read: " + r.Server.MetricsError
	}
	fmt.Fprintf(&b, "server: %s\n", server)
	if sd := r.Seeded; sd.Accounts > 0 {
		fmt.Fprintf(&b, "seeded: accounts %s (%.1f s, %d registrations at a time), generations %s (%.1f s, rendered)\n",
			thousands(int64(sd.Accounts)), sd.AccountsSeconds, sd.Concurrency, thousands(int64(sd.Generations)), sd.GenerationsSeconds)
	}
	if r.HashMillis > 0 {
		fmt.Fprintf(&b, "one argon2id hash in the bench process: %s\n", millis(r.HashMillis))
	}

	compare := slices.ContainsFunc(r.Rows, func(row *Row) bool { return row.Ceiling != nil })
	b.WriteString("\n| scenario | load | req/s | p50 | p95 | p99 | max | errors |")
	if compare {
		b.WriteString(" ceiling req/s | ceiling p50 | ceiling p99 |")
	}
	b.WriteString("\n|---|---|---:|---:|---:|---:|---:|---:|")
	if compare {
		b.WriteString("---:|---:|---:|")
	}
	b.WriteString("\n")
	for _, row := range r.Rows {
		writeFigures(&b, row.Name(), row.Load, row.Figures)
		if row.Ceiling != nil {
			c := row.Ceiling
			fmt.Fprintf(&b, " %s | %s | %s |", thousands(int64(c.RPS)), millis(c.Latency.P50), millis(c.Latency.P99))
		} else if compare {
			b.WriteString(" | | |")
		}
		b.WriteString("\n")
		for _, op := range row.Ops {
			writeFigures(&b, "· "+op.Op, "", op.Figures)
			if compare {
				b.WriteString(" | | |")
			}
			b.WriteString("\n")
		}
	}

	section := func(title string, lines []string) {
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n%s:\n", title)
			for _, l := range lines {
				fmt.Fprintf(&b, "- %s\n", l)
			}
		}
	}
	var cache, costs, errs, notes []string
	for _, row := range r.Rows {
		name := row.Name() + " (" + row.Load + ")"
		if len(row.Cache) > 0 {
			cache = append(cache, name+": "+shares(row.Cache))
		}
		if row.Costs != nil {
			costs = append(costs, name+": "+row.Costs.String())
		}
		for _, kind := range slices.Sorted(maps.Keys(row.ErrorKinds)) {
			errs = append(errs, fmt.Sprintf("%s: %s x %s, e.g. %s", name, kind, thousands(row.ErrorKinds[kind]), orDash(row.ErrorSamples[kind])))
		}
		for _, n := range row.Notes {
			notes = append(notes, name+": "+n)
		}
	}
	section("Cache layer that answered authorize", cache)
	section("Server cost per request (from its /metrics)", costs)
	section("Errors", errs)
	section("Notes", notes)

	b.WriteString("\n| verdict | row | goal | source | measured |\n|---|---|---|---|---|\n")
	for _, v := range r.Goals {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", v.Status, orDash(v.Row), v.Goal, v.Source, v.Measured)
	}
	for _, row := range r.Rows {
		for _, v := range row.Goals {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", v.Status, v.Row, v.Goal, v.Source, v.Measured)
		}
	}
	if r.Stopped != "" {
		fmt.Fprintf(&b, "\nSTOPPED before the end: %s\n", r.Stopped)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFigures(b *strings.Builder, name, load string, f Figures) {
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |", name, load, thousands(int64(f.RPS)),
		millis(f.Latency.P50), millis(f.Latency.P95), millis(f.Latency.P99), millis(f.Latency.Max), thousands(f.Errors))
}

// shares prints counts as percentages, largest first.
func shares(counts map[string]int64) string {
	var total int64
	for _, n := range counts {
		total += n
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int { return int(counts[b] - counts[a]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.1f%%", k, 100*float64(counts[k])/float64(total))
	}
	return strings.Join(parts, ", ")
}

// thousands prints n with thousands separators: 12,345.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// millis prints a duration in milliseconds with three significant digits.
func millis(ms float64) string {
	switch {
	case ms < 1:
		return fmt.Sprintf("%.3f ms", ms)
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// megabytes shows n in MB (10^6 bytes), the unit the goals are set in.
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
