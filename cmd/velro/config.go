package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/postgres"
	"github.com/velro-ai/velro/redis"
)

// config is everything `velro serve` and `velro migrate` read from flags and
// the environment. Flags win over the environment, which wins over defaults.
type config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	DBMaxConns      int
	DBTimeout       time.Duration
	RedisURL        string
	RedisPrefix     string
	AdminEmails     []string
	CORSOrigins     []string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	TrustedProxies  []netip.Prefix
	AuthzCache      bool
	AuthzL1Size     int
	AuthzL1TTL      time.Duration
	AuthzL2TTL      time.Duration
	FALKey          string
	FALBaseURL      string
	RenderDelay     time.Duration
	PublicURL       string
	FALTimeout      time.Duration
	Workers         int
	JobTimeout      time.Duration
	JobRescueAfter  time.Duration

	postgres *pgxpool.Config // parsed DATABASE_URL, nil for SQLite
	redis    *redis.Options  // parsed REDIS_URL, nil without Redis
	media    *media.S3Config // parsed VELRO_MEDIA_URL, nil for the data dir
}

// configError is a bad setting: run prints it as one line saying what to fix.
type configError struct{ setting, problem, fix string }

func (e *configError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.setting, e.problem, e.fix)
}

func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	addr := env("VELRO_ADDR", ":8080")
	if getenv("VELRO_ADDR") == "" && getenv("PORT") != "" {
		addr = ":" + strings.TrimSpace(getenv("PORT"))
	}

	c := &config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", addr, "listen address (env VELRO_ADDR, or PORT)")
	fs.StringVar(&c.DataDir, "data-dir", env("VELRO_DATA_DIR", "./velro-data"), "directory for the SQLite database and media files (env VELRO_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty uses SQLite in the data dir (env DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", env("REDIS_URL", ""), "Redis URL for the shared cache, invalidation bus and rate limits (env REDIS_URL)")
	logLevel := fs.String("log-level", env("VELRO_LOG_LEVEL", "info"), "debug, info, warn or error (env VELRO_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, &configError{"argument", fmt.Sprintf("%q is not understood", fs.Arg(0)), "see velro -h"}
	}

	var err error
	if c.DBMaxConns, err = envInt(getenv, "VELRO_DB_MAX_CONNS", 0); err != nil {
		return nil, err
	}
	if c.DBTimeout, err = envDuration(getenv, "VELRO_DB_TIMEOUT", 2*time.Second); err != nil {
		return nil, err
	}
	if c.ShutdownTimeout, err = envDuration(getenv, "VELRO_SHUTDOWN_TIMEOUT", 20*time.Second); err != nil {
		return nil, err
	}
	if c.AuthzL1Size, err = envInt(getenv, "VELRO_AUTHZ_L1_SIZE", 100_000); err != nil {
		return nil, err
	}
	if c.AuthzL1TTL, err = envDuration(getenv, "VELRO_AUTHZ_L1_TTL", time.Minute); err != nil {
		return nil, err
	}
	if c.AuthzL2TTL, err = envDuration(getenv, "VELRO_AUTHZ_L2_TTL", 5*time.Minute); err != nil {
		return nil, err
	}
	switch v := env("VELRO_AUTHZ_CACHE", "on"); v {
	case "on":
		c.AuthzCache = true
	case "off":
	default:
		return nil, &configError{"VELRO_AUTHZ_CACHE", fmt.Sprintf("%q is not on or off", v), "set on (the default) or off"}
	}
	for _, p := range list(getenv("VELRO_TRUSTED_PROXIES")) {
		prefix, err := netip.ParsePrefix(p)
		if addr, aerr := netip.ParseAddr(p); err != nil && aerr == nil {
			prefix, err = addr.Prefix(addr.BitLen())
		}
		if err != nil {
			return nil, &configError{"VELRO_TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR", p), "list addresses or networks like 10.0.0.0/8"}
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	c.FALKey = env("FAL_KEY", "")
	c.FALBaseURL = env("FAL_BASE_URL", "https://queue.fal.run")
	if u, err := url.Parse(c.FALBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &configError{"FAL_BASE_URL", fmt.Sprintf("%q is not an http(s) URL", c.FALBaseURL), "set it like https://queue.fal.run"}
	}
	if c.RenderDelay, err = envDuration(getenv, "VELRO_LOCAL_RENDER_DELAY", 0); err != nil {
		return nil, err
	}
	c.PublicURL = env("VELRO_PUBLIC_URL", "")
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https")) {
		return nil, &configError{"VELRO_PUBLIC_URL", fmt.Sprintf("%q is not an http(s) URL", c.PublicURL), "set the origin clients reach, like https://api.velro.example"}
	}
	if c.Workers, err = envInt(getenv, "VELRO_WORKERS", 4); err != nil {
		return nil, err
	}
	if c.FALTimeout, err = envDuration(getenv, "VELRO_FAL_TIMEOUT", 10*time.Minute); err != nil {
		return nil, err
	}
	if c.JobTimeout, err = envDuration(getenv, "VELRO_JOB_TIMEOUT", c.FALTimeout+c.RenderDelay+time.Minute); err != nil {
		return nil, err
	}
	if c.JobRescueAfter, err = envDuration(getenv, "VELRO_JOB_RESCUE_AFTER", c.JobTimeout+5*time.Minute); err != nil {
		return nil, err
	}
	if c.JobRescueAfter <= c.JobTimeout {
		return nil, &configError{"VELRO_JOB_RESCUE_AFTER", fmt.Sprintf("(%v) is not longer than VELRO_JOB_TIMEOUT (%v)", c.JobRescueAfter, c.JobTimeout),
			"a running job would be run twice; make it longer"}
	}
	c.RedisPrefix = env("VELRO_REDIS_PREFIX", redis.DefaultPrefix)
	c.AdminEmails = list(getenv("VELRO_ADMIN_EMAILS"))
	c.CORSOrigins = list(getenv("VELRO_CORS_ORIGINS"))
	if err := c.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, &configError{"VELRO_LOG_LEVEL", fmt.Sprintf("%q is not a level", *logLevel), "use debug, info, warn or error"}
	}

	if c.DatabaseURL != "" {
		if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
			return nil, &configError{"DATABASE_URL", "is not a PostgreSQL URL", "set it like postgres://user:password@host:5432/velro, or unset it to use SQLite"}
		}
		if c.postgres, err = postgres.ParseURL(c.DatabaseURL, int32(c.DBMaxConns)); err != nil {
			return nil, &configError{"DATABASE_URL", "cannot be parsed (" + err.Error() + ")", "set it like postgres://user:password@host:5432/velro"}
		}
	}
	if c.RedisURL != "" {
		if c.redis, err = redis.ParseURL(c.RedisURL); err != nil {
			return nil, &configError{"REDIS_URL", "cannot be parsed (" + err.Error() + ")", "set it like redis://host:6379/0 (one server) or redis+cluster://host:6379?addr=host2:6379 (a cluster), or unset it"}
		}
	}
	if v := env("VELRO_MEDIA_URL", ""); v != "" {
		if c.media, err = media.ParseS3URL(v, getenv); err != nil {
			return nil, &configError{"VELRO_MEDIA_URL", err.Error(), "set it like " + s3URLExample + ", or unset it to keep media in the data dir"}
		}
	}
	if err := checkWritableDir(c.DataDir); err != nil {
		return nil, &configError{"data dir " + c.DataDir, "is not writable (" + err.Error() + ")", "pass --data-dir or VELRO_DATA_DIR naming a writable directory"}
	}
	return c, nil
}

func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func envInt(getenv func(string) string, key string, def int) (int, error) {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, &configError{key, fmt.Sprintf("%q is not a non-negative integer", v), "set a number like 20"}
	}
	return n, nil
}

func envDuration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, &configError{key, fmt.Sprintf("%q is not a duration", v), "use a Go duration like 2s or 500ms"}
	}
	return d, nil
}

// checkWritableDir creates dir if needed and proves a file can be written.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

// sqlitePath is where the embedded database lives.
func (c *config) sqlitePath() string { return filepath.Join(c.DataDir, "velro.db") }
