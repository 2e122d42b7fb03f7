package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/velro-ai/velro/auth"
)

// The ceiling is the smallest Go JSON handler, on the same machine and
// under the same load as Velro: what the machine and the load generator
// allow at best. Every figure is read beside it, as these machines differ
// by 2-3x from day to day.

const trivialBanner = "trivial server on "

// ServeTrivial serves the trivial handler on addr until ctx ends, after
// printing its URL.
func ServeTrivial(ctx context.Context, addr string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})}
	fmt.Fprintf(stdout, "%shttp://%s\n", trivialBanner, ln.Addr())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// TrivialProcess returns an Options.Ceiling that runs the trivial server
// in a process of its own (name args, which must call ServeTrivial), as
// the server under test runs in its own: one Go runtime does not schedule
// both the load and the handler.
func TrivialProcess(name string, args ...string) func(ctx context.Context) (string, func(), error) {
	return func(ctx context.Context) (string, func(), error) {
		ctx, cancel := context.WithCancel(ctx)
		cmd := exec.CommandContext(ctx, name, args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			cancel()
			return "", nil, err
		}
		if err := cmd.Start(); err != nil {
			cancel()
			return "", nil, fmt.Errorf("starting the trivial server: %w", err)
		}
		stop := func() { cancel(); cmd.Wait() }
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), trivialBanner); ok {
				go io.Copy(io.Discard, out)
				return url, stop, nil
			}
		}
		stop()
		return "", nil, fmt.Errorf("the trivial server (%s) did not start", strings.Join(cmd.Args, " "))
	}
}

// startCeiling starts the trivial server and times one password hash.
func (s *suite) startCeiling(ctx context.Context) (stop func(), err error) {
	if s.opts.Ceiling == nil {
		return nil, errors.New("--compare: no way to start the trivial server")
	}
	url, stop, err := s.opts.Ceiling(ctx)
	if err != nil {
		return nil, err
	}
	s.ceilingURL = url
	s.report.HashMillis = hashMillis()
	return stop, nil
}

// ceiling measures the trivial handler under shape, once per shape.
func (s *suite) ceiling(ctx context.Context, shape Shape) (*Figures, error) {
	if f, ok := s.ceilings[shape]; ok {
		return f, nil
	}
	raiseFileLimit(uint64(shape.Connections) + 256)
	l := &load{name: "ceiling", base: s.ceilingURL, shape: shape, timeout: s.opts.Timeout, out: s.out,
		target: func(ctx context.Context, c *Conn) Result {
			return Result{Err: call(ctx, c.Client, http.MethodGet, s.ceilingURL+"/", "", nil, http.StatusOK, nil)}
		}}
	m, err := l.run(ctx)
	if err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	f := m.figures()
	s.ceilings[shape] = &f
	return &f, nil
}

// hashMillis times one argon2id hash at the parameters Velro uses (the
// median of five), in this process: a login's floor on this machine.
func hashMillis() float64 {
	h := auth.NewHasher(auth.OWASPParams(), 1, 0)
	times := make([]time.Duration, 5)
	for i := range times {
		begin := time.Now()
		h.Hash(context.Background(), "bench password")
		times[i] = time.Since(begin)
	}
	slices.Sort(times)
	return float64(times[2].Microseconds()) / 1000
}
