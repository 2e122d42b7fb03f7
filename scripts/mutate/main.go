// Command mutate applies small deliberate bugs (mutants) to a scratch copy
// of the repository, one at a time, and runs the tests of the package that
// holds each rule: a mutant the tests do not catch marks a rule without a
// test. Run by hand before a release (README, "Testing"):
//
//	go run ./scripts/mutate [-list scripts/mutate/mutants.txt] [-race]
//
// The tests run as the README's test command does, with the services of
// the environment (VELRO_TEST_DATABASE_URL, VELRO_TEST_REDIS_URL).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type mutant struct {
	file, from, to, why string
	packages            []string
}

func main() {
	list := flag.String("list", "scripts/mutate/mutants.txt", "the mutants")
	race := flag.Bool("race", false, "run the tests under the race detector")
	flag.Parse()
	if err := run(*list, *race); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
}

func run(list string, race bool) error {
	mutants, err := parse(list)
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "velro-mutate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	// A detached worktree of HEAD: the developer's checkout is never touched.
	if out, err := exec.Command("git", "worktree", "add", "--detach", scratch, "HEAD").CombinedOutput(); err != nil {
		return fmt.Errorf("git worktree add: %v: %s", err, out)
	}
	defer exec.Command("git", "worktree", "remove", "--force", scratch).Run()

	survived := 0
	for i, m := range mutants {
		start := time.Now()
		killed, err := try(scratch, m, race)
		if err != nil {
			return fmt.Errorf("mutant %d (%s): %w", i+1, m.file, err)
		}
		verdict := "killed"
		if !killed {
			verdict, survived = "SURVIVED", survived+1
		}
		fmt.Printf("%-8s %2d %s (%s, %s): %s\n", verdict, i+1, m.file, strings.Join(m.packages, " "), time.Since(start).Round(time.Second), m.why)
	}
	fmt.Printf("%d mutants, %d survived\n", len(mutants), survived)
	if survived > 0 {
		return errors.New("some mutants survived: their rules need a test where they live")
	}
	return nil
}

// try applies m in dir, runs its packages' tests and restores the file;
// killed reports whether the tests failed.
func try(dir string, m mutant, race bool) (killed bool, err error) {
	path := filepath.Join(dir, m.file)
	orig, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	if n := strings.Count(string(orig), m.from); n != 1 {
		return false, fmt.Errorf("the text to replace occurs %d times, want once: %q", n, m.from)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(orig), m.from, m.to, 1)), 0o644); err != nil {
		return false, err
	}
	defer func() {
		if rerr := os.WriteFile(path, orig, 0o644); err == nil {
			err = rerr
		}
	}()
	args := []string{"test", "-count=1"}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, m.packages...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &exit):
		if strings.Contains(string(out), "[build failed]") || strings.Contains(string(out), "[setup failed]") {
			return false, fmt.Errorf("the mutant does not compile:\n%s", out)
		}
		return true, nil
	default:
		return false, err
	}
}

// parse reads the mutants file: "key: value" lines, blocks separated by
// "---", # comments.
func parse(path string) ([]mutant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\n`, "\n", `\t`, "\t")
	var mutants []mutant
	cur := mutant{}
	flush := func() error {
		if cur.file == "" && cur.from == "" && cur.packages == nil && cur.why == "" {
			return nil // nothing since the last block
		}
		if cur.file == "" || cur.from == "" || len(cur.packages) == 0 || cur.why == "" {
			return fmt.Errorf("%s: a mutant needs file, packages, from, to and why: %+v", path, cur)
		}
		mutants = append(mutants, cur)
		cur = mutant{}
		return nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
			continue
		case line == "---":
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		key, value, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not a key: value line", path, line)
		}
		switch key {
		case "file":
			cur.file = value
		case "packages":
			cur.packages = strings.Fields(value)
		case "from":
			cur.from = unescape.Replace(value)
		case "to":
			cur.to = unescape.Replace(value)
		case "why":
			cur.why = value
		default:
			return nil, fmt.Errorf("%s: unknown key %q", path, key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return mutants, flush()
}
