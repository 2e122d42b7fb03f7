package skipped

import "testing"

func TestLine(t *testing.T) {
	if got := Line("example.com/p"); got != "" {
		t.Fatalf("nothing skipped yet: %q", got)
	}
	Note("VELRO_TEST_REDIS_URL")
	Note("VELRO_TEST_DATABASE_URL")
	Note("VELRO_TEST_DATABASE_URL")
	want := "example.com/p: skipped 3 tests (2 without VELRO_TEST_DATABASE_URL, 1 without VELRO_TEST_REDIS_URL); README.md, \"Test\", says how to run them\n"
	if got := Line("example.com/p"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
