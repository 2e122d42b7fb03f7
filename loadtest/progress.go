package loadtest

import (
	"fmt"
	"io"
	"time"
)

// progress writes a status line while something runs: on a terminal it
// rewrites the line in place every second, elsewhere it appends one every
// few seconds.
type progress struct {
	w     io.Writer
	tty   bool
	every time.Duration
}

// start calls line at every tick until stop is called.
func (p *progress) start(line func(now time.Time) string) (stop func()) {
	if p == nil || p.w == nil {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K")
				}
				return
			case now := <-t.C:
				if p.tty {
					fmt.Fprintf(p.w, "\r\033[K%s", line(now))
				} else {
					fmt.Fprintln(p.w, line(now))
				}
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// runLine is the progress line of a run.
func runLine(name string, shape Shape, begin time.Time, state func() progressState) func(time.Time) string {
	var last int64
	lastAt := begin
	return func(now time.Time) string {
		s := state()
		rate := float64(s.done-last) / now.Sub(lastAt).Seconds()
		last, lastAt = s.done, now
		line := fmt.Sprintf("%s [%s] %3.0fs/%.0fs  %s req/s  done %s  errors %s  in flight %d",
			name, shape, now.Sub(begin).Seconds(), shape.Duration.Seconds(), thousands(int64(rate)),
			thousands(s.done), thousands(s.failed), s.inFlight)
		if shape.Rate > 0 {
			line += "  behind " + thousands(s.behind)
		}
		return line
	}
}

type progressState struct{ done, failed, inFlight, behind int64 }
