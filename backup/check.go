package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Check is the record of proving an archive restorable, kept beside it
// (velro-<time>.check.json), so that whoever lists the archives sees it.
type Check struct {
	CheckedAt time.Time `json:"checked_at"`
	// Problem is why the archive failed; "" when it passed.
	Problem string `json:"problem,omitempty"`
}

// Backup is an archive with the record of its check, if any.
type Backup struct {
	Info
	Check *Check
}

// checkName names the check record of an archive.
func checkName(archive string) string { return strings.TrimSuffix(archive, ".tar.gz") + ".check.json" }

// Prove restores the archive name of t into a scratch directory, checks
// it (every sum, PRAGMA integrity_check) and records the outcome beside
// it. The error is the archive's problem, or else a failure to record it.
func Prove(ctx context.Context, t Target, name, scratch string, now time.Time) (*Check, error) {
	problem := func() error {
		r, err := t.Open(ctx, name)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = Verify(ctx, r, scratch)
		return err
	}()
	c := &Check{CheckedAt: now.UTC()}
	if problem != nil {
		c.Problem = problem.Error()
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return c, err
	}
	_, err = t.Write(ctx, checkName(name), func(w io.Writer) error { _, err := w.Write(raw); return err })
	return c, errors.Join(problem, err)
}

// List returns the archives in t, newest first, with their checks.
func List(ctx context.Context, t Target) ([]Backup, error) {
	objs, err := t.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("backups in %s: %w", t, err)
	}
	checks := map[string]bool{}
	for _, o := range objs {
		checks[o.Name] = true
	}
	var out []Backup
	for _, o := range objs {
		at, ok := ParseName(o.Name)
		if !ok {
			continue
		}
		b := Backup{Info: Info{Name: o.Name, Size: o.Size, CreatedAt: at}}
		if checks[checkName(o.Name)] {
			b.Check = readCheck(ctx, t, checkName(o.Name))
		}
		out = append(out, b)
	}
	return out, nil
}

// readCheck reads a check record; an unreadable one counts as none.
func readCheck(ctx context.Context, t Target, name string) *Check {
	r, err := t.Open(ctx, name)
	if err != nil {
		return nil
	}
	defer r.Close()
	var c Check
	if json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&c) != nil {
		return nil
	}
	return &c
}

// Prune deletes the oldest archives of t beyond keep, with their checks,
// and names them.
func Prune(ctx context.Context, t Target, keep int) ([]string, error) {
	list, err := List(ctx, t)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, b := range list[min(keep, len(list)):] {
		if err := t.Remove(ctx, b.Name); err != nil {
			return removed, err
		}
		removed = append(removed, b.Name)
		if err := t.Remove(ctx, checkName(b.Name)); err != nil {
			return removed, err
		}
	}
	return removed, nil
}
