package main

import (
	"bufio"
	"io"
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
// none of them either) on disk, then in S3, and its peak resident memory,
// as Linux records it, stays under 250 MB: outputs stream from the
// provider into storage instead of being held whole (they once took RSS
// past 1.3 GB).
func TestLargeOutputsPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: moves 600 MiB")
	}
	t.Run("disk", func(t *testing.T) {
		dataDir := t.TempDir()
		testLargeOutputsPeakRSS(t, env{"VELRO_DATA_DIR": dataDir}, func(key string) (int64, error) {
			info, err := os.Stat(filepath.Join(dataDir, "media", key))
			if err != nil {
				return 0, err
			}
			return info.Size(), nil
		})
	})
	t.Run("s3", func(t *testing.T) {
		e, u := withS3(t, env{"VELRO_DATA_DIR": t.TempDir()})
		store := openS3Store(t, e, u)
		testLargeOutputsPeakRSS(t, e, func(key string) (int64, error) {
			f, err := store.Open(t.Context(), key)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			return f.Seek(0, io.SeekEnd)
		})
	})
}

// testLargeOutputsPeakRSS runs the generation on a server process started
// with e; size tells the size of a stored output.
func testLargeOutputsPeakRSS(t *testing.T, e env, size func(key string) (int64, error)) {
	const outputSize, count, limit = 100 << 20, 3, 250_000_000
	fake := falfake.New(t, falfake.Config{Outputs: count, FileSize: outputSize})
	p := startProcess(t, merge(e, env{"FAL_KEY": "test-key", "FAL_BASE_URL": fake.URL()}))
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
		if n, err := size(u.(string)); err != nil || n != outputSize {
			t.Fatalf("stored %s: %d bytes, %v; want %d bytes", u, n, err, outputSize)
		}
	}
	t.Logf("storing %d x %d MiB: peak RSS %.1f MB (%.1f MB before the generation)", count, outputSize>>20, float64(peak)/1e6, float64(before)/1e6)
	used := peak
	if raceDetector {
		// The race runtime alone takes ~240 MB: count what the
		// generation added (a buffered output adds over 300 MB).
		used -= before
	}
	if used > limit {
		t.Errorf("peak RSS %.1f MB (%.1f MB before) storing %d x %d MiB, over %d MB: outputs were held in memory",
			float64(peak)/1e6, float64(before)/1e6, count, outputSize>>20, limit/1_000_000)
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
