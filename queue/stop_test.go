package queue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

// stubborn is a Runner whose jobs ignore cancellation until released.
type stubborn struct {
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func (s *stubborn) Run(context.Context, uuid.UUID, int, int) error {
	s.once.Do(func() { close(s.started) })
	<-s.release
	return nil
}

func (s *stubborn) Timeout() time.Duration { return time.Hour }

// TestStopIsBounded: a job that ignores its cancellation holds Stop no
// longer than Stop's context allows (shutdown must end in its timeout).
func TestStopIsBounded(t *testing.T) {
	db := testenv.SQLite(t)
	r := &stubborn{started: make(chan struct{}), release: make(chan struct{})}
	q := testenv.Queue(t, db, r)
	s := sqlstore.New(db, 0)
	s.UseJobs(q)
	must(t, q.Start(context.Background()))
	submit(t, s, storetest.NewUser(t, s, "stop@example.com"))
	select {
	case <-r.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the job never started")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- q.Stop(ctx) }()
	select {
	case err := <-stopped:
		close(r.release)
		// The job still runs: Stop must say it gave up, not report a
		// clean stop.
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop with a job still running returned %v, want its context's deadline", err)
		}
	case <-time.After(10 * time.Second): // a hang, not a budget
		t.Error("Stop outlived its 500 ms context by 10 s")
		close(r.release)
		<-stopped
	}
	q.Stop(context.Background()) // wait for the queue's goroutines
}
