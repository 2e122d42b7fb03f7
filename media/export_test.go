package media

import "golang.org/x/sync/semaphore"

// SetDecodeBudget gives the process's decodes a budget of n bytes until
// the returned function puts the real one back.
func SetDecodeBudget(n int64) (restore func()) {
	old := decodeBudget
	decodeBudget = semaphore.NewWeighted(n)
	return func() { decodeBudget = old }
}
