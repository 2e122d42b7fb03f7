package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/mail"
)

// TestBadConfiguration: the process refuses to start, with one line naming
// the setting and what to do.
func TestBadConfiguration(t *testing.T) {
	readOnly := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o600)
	cases := []struct {
		env  env
		args []string
		want string
	}{
		{env{"DATABASE_URL": "mysql://x"}, nil, "DATABASE_URL is not a PostgreSQL URL"},
		{env{"DATABASE_URL": "postgres://a b@%zz"}, nil, "DATABASE_URL cannot be parsed"},
		{env{"REDIS_URL": "http://cache"}, nil, "REDIS_URL cannot be parsed"},
		{env{"REDIS_URL": "redis+cluster://cache:6379/2"}, nil, "REDIS_URL cannot be parsed (a cluster has only database 0)"},
		{env{"REDIS_URL": "redis+cluster://cache:6379?addr=nohost"}, nil, "REDIS_URL cannot be parsed"},
		{env{"VELRO_DATA_DIR": notADir}, nil, "is not writable"},
		{env{"VELRO_DB_TIMEOUT": "soon"}, nil, "VELRO_DB_TIMEOUT"},
		{env{"VELRO_WORKERS": "-1"}, nil, "VELRO_WORKERS"},
		{env{"VELRO_WORKERS": "0"}, nil, `VELRO_WORKERS "0" is not a whole number of at least 1`},
		{env{"VELRO_MAX_ACTIVE_GENERATIONS": "-1"}, nil, "VELRO_MAX_ACTIVE_GENERATIONS"},
		{env{"VELRO_AUTHZ_CACHE": "maybe"}, nil, "VELRO_AUTHZ_CACHE"},
		{env{"VELRO_PERF_TRACKING": "maybe"}, nil, "VELRO_PERF_TRACKING"},
		{env{"VELRO_METRICS_ADDR": "internal"}, nil, "VELRO_METRICS_ADDR"},
		{env{"VELRO_TRUSTED_PROXIES": "10.0.0.0/99"}, nil, "VELRO_TRUSTED_PROXIES"},
		{env{"FAL_BASE_URL": "queue.fal.run"}, nil, "FAL_BASE_URL"},
		{env{"VELRO_FETCH_ALLOW": "https://ok.example, storage.internal:9000"}, nil, "VELRO_FETCH_ALLOW"},
		{env{"VELRO_PUBLIC_URL": "example.com"}, nil, "VELRO_PUBLIC_URL"},
		{env{"VELRO_LOG_LEVEL": "loud"}, nil, "VELRO_LOG_LEVEL"},
		{env{"VELRO_UPLOAD_QUOTA": "lots"}, nil, "VELRO_UPLOAD_QUOTA"},
		{env{"VELRO_CREDIT_PACKS": "starter:1000:500"}, nil, `VELRO_CREDIT_PACKS pack "starter:1000:500" is not id:credits:amount:currency: list packs like starter:1000:500:usd,creator:6000:2500:usd`},
		{env{"VELRO_CREDIT_PACKS": "a:1:1:usd,a:2:2:usd"}, nil, `VELRO_CREDIT_PACKS pack id "a" is listed twice`},
		{env{"STRIPE_SECRET_KEY": "pk_test_123"}, nil, "STRIPE_SECRET_KEY is not a Stripe secret key (sk_... or rk_...)"},
		{env{"STRIPE_WEBHOOK_SECRET": "secret"}, nil, "STRIPE_WEBHOOK_SECRET is not a webhook signing secret (whsec_...)"},
		{env{"STRIPE_API_BASE": "api.stripe.com"}, nil, "STRIPE_API_BASE"},
		{env{"VELRO_REGISTER_LIMIT": "-1"}, nil, "VELRO_REGISTER_LIMIT"},
		{env{"VELRO_SESSION_IDLE": "a month"}, nil, "VELRO_SESSION_IDLE"},
		{env{"VELRO_SESSION_MAX": "10m"}, nil, "VELRO_SESSION_MAX \"10m\" is not a number of days or a duration of at least 15m0s"},
		{env{"VELRO_KEY_RELOAD": "10ms"}, nil, "VELRO_KEY_RELOAD"},
		{env{}, []string{"keys"}, "unknown keys command"},
		{env{}, []string{"keys", "rotate", "--data-dir", notADir + "/none"}, "has no database"},
		{env{"VELRO_JOB_TIMEOUT": "1m", "VELRO_JOB_RESCUE_AFTER": "30s"}, nil, "VELRO_JOB_RESCUE_AFTER"},
		{env{"VELRO_MEDIA_URL": "/srv/media"}, nil, "VELRO_MEDIA_URL is not an s3:// URL"},
		{env{"VELRO_MEDIA_URL": "s3://Not_A_Bucket/x"}, nil, "VELRO_MEDIA_URL names no valid bucket"},
		{env{"VELRO_MEDIA_URL": "s3://media?endpoint=minio:9000"}, nil, "VELRO_MEDIA_URL has an endpoint"},
		{env{"VELRO_MEDIA_URL": "s3://media?path_style=maybe"}, nil, "path_style"},
		{env{"VELRO_MEDIA_URL": "s3://media?regoin=eu-west-1"}, nil, `unknown parameter "regoin"`},
		{env{"VELRO_MEDIA_URL": "s3://media/Upper Case"}, nil, "VELRO_MEDIA_URL has a prefix"},
		{env{"VELRO_MEDIA_URL": "s3://media"}, nil, "VELRO_MEDIA_URL needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{env{"VELRO_MEDIA_URL": "s3://key:secret@media"}, nil, "VELRO_MEDIA_URL carries credentials"},
		{env{"VELRO_MEDIA_URL": "s3://media?endpoint=http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}, nil,
			`media storage: bucket "media" at 127.0.0.1:1`},
		{env{"VELRO_SMTP_URL": "http://mail.example"}, nil, "VELRO_SMTP_URL has scheme"},
		{env{"VELRO_SMTP_URL": "smtp://user:s3cret@mail.example:0"}, nil, "VELRO_SMTP_URL has a bad port"},
		{env{"VELRO_MAIL_FROM": "not an address"}, nil, "VELRO_MAIL_FROM"},
		{env{"VELRO_APP_URL": "app.example"}, nil, "VELRO_APP_URL"},
		{env{}, []string{"users"}, "missing users command"},
		{env{}, []string{"users", "promote"}, `unknown users command "promote"`},
		{env{}, []string{"users", "set-role", "a@example.com"}, "wrong number of arguments"},
		{env{}, []string{"media", "migrate"}, "--to is missing"},
		{env{}, []string{"media", "migrate", "--to", "s3://media?endpoint=http://127.0.0.1:1"}, "--to needs AWS_ACCESS_KEY_ID"},
		{env{}, []string{"media", "copy"}, "unknown media command"},
		{env{}, []string{"serve", "--no-such-flag"}, "flag provided but not defined"},
		{env{}, []string{"launch"}, `unknown command "launch"`},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases = append(cases, struct {
			env  env
			args []string
			want string
		}{env{"VELRO_DATA_DIR": readOnly}, nil, "is not writable"})
	}
	for _, c := range cases {
		e := env{"VELRO_DATA_DIR": t.TempDir(), "VELRO_ADDR": "127.0.0.1:0"}
		for k, v := range c.env {
			e[k] = v
		}
		args := append([]string{"velro"}, c.args...)
		err := run(t.Context(), args, e.getenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v %v: error %q, want one line containing %q", c.env, c.args, err, c.want)
		}
	}
}

func TestConfigSources(t *testing.T) {
	cfg, err := parseConfig("velro", nil, env{"PORT": "9123", "VELRO_DATA_DIR": t.TempDir(),
		"VELRO_ADMIN_EMAILS": " a@x.com, b@x.com ,", "VELRO_DB_TIMEOUT": "750ms"}.getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9123" || len(cfg.AdminEmails) != 2 || cfg.DBTimeout != 750*time.Millisecond || !cfg.AuthzCache ||
		cfg.RegisterLimit != 10 || cfg.SessionIdle != 30*24*time.Hour || cfg.SessionMax != 90*24*time.Hour || cfg.KeyReload != time.Minute ||
		cfg.UploadQuota != 1<<30 {
		t.Fatalf("config %+v", cfg)
	}
	// Flags win over the environment, which wins over PORT.
	cfg, err = parseConfig("velro", []string{"--addr", "127.0.0.1:7000"}, env{"PORT": "9123", "VELRO_ADDR": ":8000",
		"VELRO_DATA_DIR": t.TempDir()}.getenv, io.Discard)
	if err != nil || cfg.Addr != "127.0.0.1:7000" {
		t.Fatalf("flag precedence: %v %v", cfg, err)
	}
}

func TestVersionAndMigrate(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), []string{"velro", "version"}, env{}.getenv, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "velro ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	// On a new database, migrate says what it applied; then that nothing
	// is left to apply.
	forEachBackend(t, func(t *testing.T, e env) {
		dir := t.TempDir()
		migrate := func() string {
			out.Reset()
			if err := run(t.Context(), []string{"velro", "migrate", "--data-dir", dir}, e.getenv, &out, io.Discard); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			return out.String()
		}
		if got := migrate(); !strings.Contains(got, " database: applied ") || !strings.Contains(got, "\n  00001_auth.sql\n") ||
			!strings.Contains(got, "\n  job queue 001 ") {
			t.Fatalf("migrate on a new database: %q", got)
		}
		if got := migrate(); !strings.HasSuffix(got, " database is up to date: nothing to apply\n") {
			t.Fatalf("migrate again: %q", got)
		}
		if _, err := os.Stat(filepath.Join(dir, "velro.db")); (err == nil) != (e["DATABASE_URL"] == "") {
			t.Fatalf("velro.db in the data dir: %v", err)
		}
	})
}

// TestTuneGC: velro's GC defaults apply only where the environment is
// silent.
func TestTuneGC(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })

	if err := tuneGC(env{}.getenv); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GC percent %d, want %d", got, defaultGCPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != defaultMemoryLimit {
		t.Errorf("memory limit %d, want %d", got, defaultMemoryLimit)
	}

	if err := tuneGC(env{"GOGC": "100", "GOMEMLIMIT": "off"}.getenv); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100 in the environment, GC percent %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT=off in the environment, limit %d", got)
	}
}

// TestREADMESettings: the README's configuration table is the settings
// table, generated.
func TestREADMESettings(t *testing.T) {
	testenv.Generated(t, "../../README.md", "settings", settingsMarkdown())
}

// TestSettingsHelp: -h lists every flag with its variable, and each
// setting has a flag and a unique variable.
func TestSettingsHelp(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), []string{"velro", "serve", "-h"}, env{}.getenv, io.Discard, &out); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range settings {
		if seen[s.Env] {
			t.Errorf("%s listed twice", s.Env)
		}
		seen[s.Env] = true
		if s.Flag != "" && !strings.Contains(out.String(), "--"+s.Flag+" ("+s.Env) {
			t.Errorf("-h does not list --%s with %s", s.Flag, s.Env)
		}
		if s.Flag == "" && s.set != nil {
			t.Errorf("%s has no flag", s.Env)
		}
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		out.Reset()
		if err := run(t.Context(), append([]string{"velro"}, args...), env{}.getenv, &out, io.Discard); err != nil || !strings.Contains(out.String(), "migrate") {
			t.Errorf("velro %v: %q %v", args, out.String(), err)
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"velro", "--version"}, env{}.getenv, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "velro ") {
		t.Errorf("velro --version: %q %v", out.String(), err)
	}
}

// TestEverySettingIsAFlag: each setting read from the environment is read
// from its flag as well, and the flag wins. Settings that belong to one
// engine (the replica streams SQLite only) are tried with that engine.
func TestEverySettingIsAFlag(t *testing.T) {
	shared := map[string]string{"VELRO_ADDR": ":1", "VELRO_DATA_DIR": "/tmp/x", "VELRO_DB_MAX_CONNS": "7",
		"VELRO_DB_TIMEOUT": "3s", "REDIS_URL": "redis://h:1/0", "VELRO_REDIS_PREFIX": "p:", "VELRO_REDIS_TIMEOUT": "4s", "VELRO_ADMIN_EMAILS": "a@b.co", "VELRO_ADMIN_MFA": "required",
		"VELRO_CORS_ORIGINS": "https://a.example", "VELRO_TRUSTED_PROXIES": "10.0.0.1", "VELRO_PUBLIC_URL": "https://p.example", "VELRO_UPLOAD_QUOTA": "5MiB",
		"FAL_KEY": "k", "FAL_BASE_URL": "https://f.example", "VELRO_FETCH_ALLOW": "http://s.example:9000", "VELRO_FAL_TIMEOUT": "1m", "VELRO_LOCAL_RENDER_DELAY": "1s",
		"VELRO_WORKERS": "2", "VELRO_MAX_ACTIVE_GENERATIONS": "3", "VELRO_JOB_TIMEOUT": "2m", "VELRO_JOB_RESCUE_AFTER": "9m", "VELRO_AUTHZ_CACHE": "off",
		"VELRO_AUTHZ_L1_SIZE": "5", "VELRO_AUTHZ_L1_TTL": "2s", "VELRO_AUTHZ_L2_TTL": "3s", "VELRO_LOG_LEVEL": "warn", "VELRO_SHUTDOWN_TIMEOUT": "4s",
		"VELRO_MEDIA_URL": "s3://bucket/media?endpoint=http://127.0.0.1:9000&region=r1", "VELRO_SMTP_URL": "smtps://u:p@mail.example",
		"VELRO_MAIL_FROM": "Velro <v@example.com>", "VELRO_APP_URL": "https://app.example", "VELRO_AUDIT_RETENTION": "30d",
		"VELRO_REGISTER_LIMIT": "3", "VELRO_INVITE_LIMIT": "4", "VELRO_SESSION_IDLE": "1h", "VELRO_SESSION_MAX": "2d", "VELRO_KEY_RELOAD": "5s",
		"VELRO_PERF_TRACKING": "off", "VELRO_METRICS_TOKEN": "t", "VELRO_METRICS_ADDR": "127.0.0.1:9", "VELRO_BACKUP_TO": "/tmp/backups",
		"VELRO_CREDIT_PACKS": "solo:5:100:eur", "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_API_BASE": "http://127.0.0.1:12111",
		"VELRO_STUDIO": "off"}
	engines := map[string]map[string]string{
		"postgres": {"DATABASE_URL": "postgres://h/db"},
		"sqlite":   {"VELRO_REPLICA_URL": "file:///tmp/replica"},
	}
	tried := map[string]bool{}
	for engine, own := range engines {
		t.Run(engine, func(t *testing.T) {
			values := maps.Clone(shared)
			maps.Copy(values, own)
			for _, s := range settings {
				if _, ok := values[s.Env]; ok && s.set != nil {
					tried[s.Env] = true
				}
			}
			checkSettingsAsFlags(t, values)
		})
	}
	for _, s := range settings {
		if s.set != nil && !tried[s.Env] {
			t.Errorf("no test value for %s", s.Env)
		}
	}
}

// checkSettingsAsFlags parses values once as flags and once from the
// environment and wants the same configuration.
func checkSettingsAsFlags(t *testing.T, values map[string]string) {
	t.Helper()
	credentials := env{"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"}
	var args []string
	for _, s := range settings {
		if v, ok := values[s.Env]; ok && s.set != nil {
			args = append(args, "--"+s.Flag, v)
		}
	}
	fromFlags, err := parseConfig("velro", args, credentials.getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(values, credentials)
	fromEnv, err := parseConfig("velro", nil, env(values).getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if fromFlags.media == nil || fromEnv.media == nil || *fromFlags.media != *fromEnv.media {
		t.Fatalf("media store from flags %+v, from the environment %+v", fromFlags.media, fromEnv.media)
	}
	if fromFlags.smtp == nil || fromEnv.smtp == nil || *fromFlags.smtp != *fromEnv.smtp || fromEnv.smtp.Security != mail.ImplicitTLS {
		t.Fatalf("mail server from flags %+v, from the environment %+v", fromFlags.smtp, fromEnv.smtp)
	}
	if (fromFlags.replica == nil) != (values["VELRO_REPLICA_URL"] == "") || !reflect.DeepEqual(fromFlags.replica, fromEnv.replica) {
		t.Fatalf("replica from flags %+v, from the environment %+v", fromFlags.replica, fromEnv.replica)
	}
	fromFlags.postgres, fromEnv.postgres, fromFlags.redis, fromEnv.redis, fromFlags.media, fromEnv.media = nil, nil, nil, nil, nil, nil
	fromFlags.smtp, fromEnv.smtp, fromFlags.replica, fromEnv.replica = nil, nil, nil, nil
	if !reflect.DeepEqual(fromFlags, fromEnv) {
		t.Fatalf("flags %+v\nenv   %+v", fromFlags, fromEnv)
	}
	if fromEnv.Workers != 2 || fromEnv.DBMaxConns != 7 || fromEnv.AuthzCache || fromEnv.JobRescueAfter != 9*time.Minute ||
		fromEnv.RegisterLimit != 3 || fromEnv.SessionIdle != time.Hour || fromEnv.SessionMax != 48*time.Hour || fromEnv.KeyReload != 5*time.Second ||
		fromEnv.PerfTracking || fromEnv.MetricsToken != "t" || fromEnv.MetricsAddr != "127.0.0.1:9" || fromEnv.MaxActiveGenerations != 3 ||
		fromEnv.BackupTo != "/tmp/backups" || fromEnv.RedisTimeout != 4*time.Second {
		t.Fatalf("values not applied: %+v", fromEnv)
	}
}

// TestUploadQuotaSizes: VELRO_UPLOAD_QUOTA takes what the settings table
// says, a whole number of bytes, KiB, MiB or GiB, and nothing else, with a
// one-line error.
func TestUploadQuotaSizes(t *testing.T) {
	const refused = `VELRO_UPLOAD_QUOTA %q is not a size: set a whole number of bytes, or of KiB, MiB or GiB, like 1GiB or 500MiB (no GB or MB)`
	cases := []struct {
		value string
		bytes int64 // -1: refused
	}{
		{"0", 0},
		{"1048576", 1048576},
		{"100KiB", 102400},
		{"500MiB", 524288000},
		{"1GiB", 1073741824},
		{"8GiB", 8589934592},
		{"8589934591GiB", 9223372035781033984},
		{"8589934592GiB", -1}, // past int64
		{"1GB", -1},
		{"500MB", -1},
		{"1gib", -1},
		{"1 GiB", -1},
		{"1.5GiB", -1},
		{"-1", -1},
		{"+5", -1},
		{"GiB", -1},
		{"1e9", -1},
		{"1TiB", -1},
		{"lots", -1},
	}
	for _, c := range cases {
		cfg, err := parseConfig("velro serve", nil, env{"VELRO_DATA_DIR": t.TempDir(), "VELRO_UPLOAD_QUOTA": c.value}.getenv, io.Discard)
		switch {
		case c.bytes >= 0 && (err != nil || cfg.UploadQuota != c.bytes):
			t.Errorf("%q: %v, %v; want %d bytes", c.value, cfg, err, c.bytes)
		case c.bytes < 0 && (err == nil || err.Error() != fmt.Sprintf(refused, c.value)):
			t.Errorf("%q: %v; want %q", c.value, err, fmt.Sprintf(refused, c.value))
		}
	}
}
