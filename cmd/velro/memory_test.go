package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/falfake"
)

// TestLargeOutputsPeakRSS: a server process stores 3 outputs of 100 MiB
// from FAL (a stand-in that streams them from a generated pattern, holding
// none of them either) and its peak resident memory, as Linux records it,
// stays under 250 MB: outputs stream from the provider into storage
// instead of being held whole (they once took RSS past 1.3 GB).
func TestLargeOutputsPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: moves 300 MiB")
	}
	const size, count, limit = 100 << 20, 3, 250_000_000
	fake := falfake.New(t, falfake.Config{Outputs: count, FileSize: size})
	dataDir := t.TempDir()
	p := startProcess(t, env{"VELRO_DATA_DIR": dataDir, "FAL_KEY": "test-key", "FAL_BASE_URL": fake.URL()})
	c := (&testServer{URL: p.URL}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	before := peakRSS(t, p.cmd.Process.Pid)

	id := submit(t, a, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
	urls := waitStatusWithin(t, a, id, "completed", 2*time.Minute)["output_urls"].([]any)
	peak := peakRSS(t, p.cmd.Process.Pid)

	if len(urls) != count {
		t.Fatalf("%d outputs, want %d", len(urls), count)
	}
	for _, u := range urls {
		info, err := os.Stat(filepath.Join(dataDir, "media", u.(string)))
		if err != nil || info.Size() != size {
			t.Fatalf("stored %s: %v, %v; want %d bytes", u, err, info, size)
		}
	}
	t.Logf("storing %d x %d MiB: peak RSS %.1f MB (%.1f MB before the generation)", count, size>>20, float64(peak)/1e6, float64(before)/1e6)
	if peak > limit {
		t.Errorf("peak RSS %.1f MB storing %d x %d MiB, over %d MB: outputs were held in memory", float64(peak)/1e6, count, size>>20, limit/1_000_000)
	}
}

// peakRSS is a process's peak resident set size in bytes (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc to read peak memory from: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
