//go:build unix

package loadtest

import "syscall"

// raiseFileLimit lets this process open at least want files if the system
// allows (an unprivileged process can raise its soft limit only up to the
// hard one), and returns the limit in force.
func raiseFileLimit(want uint64) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur >= want {
		return lim.Cur
	}
	raised := syscall.Rlimit{Cur: want, Max: max(lim.Max, want)}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
		return want
	}
	raised = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
		return lim.Max
	}
	return lim.Cur
}
