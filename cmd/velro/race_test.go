//go:build race

package main

// raceDetector tells whether the tests run under the race detector, whose
// shadow memory more than doubles a process's resident memory.
const raceDetector = true
