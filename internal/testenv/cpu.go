package testenv

import (
	"syscall"
	"testing"
	"time"
)

// ReportCPU runs a benchmark's body and reports the process's CPU time
// (user and system) per operation as cpu-ns/op. On a machine shared with
// other work, ns/op grows with their load; CPU time spent per operation
// much less so.
func ReportCPU(b *testing.B, body func()) {
	before := cpuTime(b)
	body()
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
