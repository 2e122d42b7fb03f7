package generate

import (
	"sync"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Notifier tells waiters when a generation's status changes, on any
// instance (status changes travel on the bus), and when access may have
// changed (a stream must then check that its viewer still may look).
// Streams and workers wait on it instead of polling the database.
type Notifier struct {
	mu      sync.Mutex
	waiters map[uuid.UUID]map[chan velro.Status]struct{}
}

// NewNotifier subscribes to the bus.
func NewNotifier(bus velro.Bus) *Notifier {
	n := &Notifier{waiters: map[uuid.UUID]map[chan velro.Status]struct{}{}}
	bus.Subscribe(n.apply)
	return n
}

func (n *Notifier) apply(ev velro.Event) {
	// Access changes and missed events concern every waiter.
	everyone := ev.Flush || len(ev.Access.Scopes())+len(ev.Sessions) > 0
	if len(ev.Statuses) == 0 && !everyone {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	send := func(ch chan velro.Status, status velro.Status) {
		select {
		case ch <- status:
		default: // a slow waiter reads the latest state itself
		}
	}
	for _, s := range ev.Statuses {
		for ch := range n.waiters[s.ID] {
			send(ch, s.Status)
		}
	}
	if everyone { // everyone looks again
		for _, set := range n.waiters {
			for ch := range set {
				send(ch, velro.StatusUnknown)
			}
		}
	}
}

// Watch returns a channel that receives the generation's new statuses
// (StatusUnknown: something may have changed, look it up), and a function
// to stop watching.
func (n *Notifier) Watch(id uuid.UUID) (<-chan velro.Status, func()) {
	ch := make(chan velro.Status, 8)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.waiters[id] == nil {
		n.waiters[id] = map[chan velro.Status]struct{}{}
	}
	n.waiters[id][ch] = struct{}{}
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.waiters[id], ch)
		if len(n.waiters[id]) == 0 {
			delete(n.waiters, id)
		}
	}
}
