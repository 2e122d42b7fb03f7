//go:build !unix

package loadtest

// raiseFileLimit: only Unix limits open files per process this way.
func raiseFileLimit(want uint64) uint64 { return want }
