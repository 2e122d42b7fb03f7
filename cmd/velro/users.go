package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
	"github.com/velro-ai/velro/sqlite"
)

const usersUsage = `usage: velro users COMMAND [flags] [arguments]

Operate accounts on the configured storage (DATABASE_URL, or the data
dir's SQLite file), also while servers run: every server refuses a disabled
account's tokens, and applies a role, from its next request after the
command returns (a server on SQLite applies it within 0.1 s; the command
waits 0.2 s for it).

commands:
  list [QUERY]              accounts whose email or name contains QUERY (all without)
  set-role EMAIL admin|user grant or take the admin role
  disable EMAIL             refuse the account's logins and end its sessions
  enable EMAIL              let a disabled account log in again

The flags are the server's (velro serve -h): the same DATABASE_URL,
REDIS_URL or data dir, and VELRO_ADMIN_EMAILS to show effective roles.
`

// usersCommand runs "velro users ...".
func usersCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return errors.New(`missing users command: use "velro users list", "set-role", "disable" or "enable"`)
	}
	sub := args[0]
	arity := map[string][2]int{"list": {0, 1}, "set-role": {2, 2}, "disable": {1, 1}, "enable": {1, 1}}[sub]
	if arity == [2]int{} {
		fmt.Fprint(stderr, usersUsage)
		return fmt.Errorf("unknown users command %q", sub)
	}
	cfg, rest, err := parseConfigArgs("velro users "+sub, args[1:], getenv, stderr, usersUsage)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if len(rest) < arity[0] || len(rest) > arity[1] {
		fmt.Fprint(stderr, usersUsage)
		return fmt.Errorf("velro users %s: wrong number of arguments", sub)
	}
	accounts, settle, done, err := openAccounts(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer done()

	var c velro.AccountControl
	switch sub {
	case "list":
		return listUsers(ctx, accounts, strings.Join(rest, ""), stdout)
	case "set-role":
		role := velro.AccountRole(rest[1])
		c.Role = &role
	case "disable", "enable":
		disabled := sub == "disable"
		c.Disabled = &disabled
	}
	u, err := accounts.Control(ctx, rest[0], c)
	if err != nil {
		return errors.New(velro.ErrorMessage(err))
	}
	// Returning once running servers have applied it: a request made
	// after the command sees the change.
	select {
	case <-time.After(settle):
	case <-ctx.Done():
	}
	fmt.Fprintf(stdout, "velro: %s: role %s (granted %s), disabled %v\n", u.Email, u.Role, u.GrantedRole, u.Disabled)
	return nil
}

// openAccounts opens the storage and the event bus the way a server does,
// so the changes made here reach running servers: on the bus with
// PostgreSQL or Redis, through the database file with SQLite. settle is how
// long running servers may take to apply a change: a server on SQLite
// looks at the file every sqlite.WatchEvery; the bus delivers at once.
func openAccounts(ctx context.Context, cfg *config, stderr io.Writer) (_ *service.Accounts, settle time.Duration, _ func(), _ error) {
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)}))
	if err := cfg.prepareDataDir(); err != nil {
		return nil, 0, nil, err
	}
	d, err := openDeps(ctx, cfg, log)
	if err != nil {
		return nil, 0, nil, err
	}
	if _, ok := d.engine.(*sqlite.DB); ok {
		settle = 2 * sqlite.WatchEvery
	}
	store, _ := d.guarded(cfg, log, nil)
	accounts := service.NewAccounts(store, service.AccountsConfig{Admins: velro.NewAdminEmails(cfg.AdminEmails), Log: log})
	return accounts, settle, func() { d.Close() }, nil
}

func listUsers(ctx context.Context, accounts *service.Accounts, query string, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tROLE\tGRANTED\tVERIFIED\tDISABLED\tCREATED\tID")
	for page := (velro.Page{Limit: velro.MaxPageLimit}); ; page.Offset += page.Limit {
		list, total, err := accounts.ListUsers(ctx, query, page)
		if err != nil {
			return err
		}
		for _, u := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%v\t%s\t%s\n", u.Email, u.Role, u.GrantedRole, u.EmailVerified, u.Disabled,
				u.CreatedAt.Format("2006-01-02"), u.ID)
		}
		if page.Offset+len(list) >= total || len(list) == 0 {
			break
		}
	}
	return w.Flush()
}
