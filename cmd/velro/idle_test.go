package main

import "testing"

// TestIdleMemory: memory goes back only when the server allocated little
// in the last look (idle) and enough since the last return to be worth a
// collection.
func TestIdleMemory(t *testing.T) {
	const mib = 1 << 20
	m := &idleMemory{}
	steps := []struct {
		name      string
		allocated uint64 // cumulative, at this look
		want      bool
	}{
		{"idle, little garbage yet", 3 * mib, false},
		{"idle, garbage piled up", 9 * mib, true},
		{"idle, just returned", 12 * mib, false},
		{"busy", 60 * mib, false},
		{"still busy", 100 * mib, false},
		{"idle again after load", 102 * mib, true},
		{"idle, nothing new", 102 * mib, false},
	}
	for _, s := range steps {
		if got := m.look(s.allocated); got != s.want {
			t.Errorf("%s (allocated %d MiB): %v, want %v", s.name, s.allocated/mib, got, s.want)
		}
	}
}
