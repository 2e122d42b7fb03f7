package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/velro-ai/velro"
	velrofetch "github.com/velro-ai/velro/fetch" // the tests of this package have a fetch helper
	"github.com/velro-ai/velro/mail"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/redis"
	"github.com/velro-ai/velro/replica"
)

// config is everything `velro serve` and `velro migrate` read from flags and
// the environment, as listed in settings.go. Flags win over the
// environment, which wins over defaults.
type config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	DBMaxConns      int
	DBTimeout       time.Duration
	RedisURL        string
	RedisPrefix     string
	RedisTimeout    time.Duration
	AdminEmails     []string
	AdminMFA        bool
	SMTPURL         string
	MailFrom        string
	AppURL          string
	Studio          bool
	CORSOrigins     []string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	TrustedProxies  []netip.Prefix
	RegisterLimit   int
	InviteLimit     int
	SessionIdle     time.Duration
	SessionMax      time.Duration
	KeyReload       time.Duration
	AuthzCache      bool
	AuthzL1Size     int
	AuthzL1TTL      time.Duration
	AuthzL2TTL      time.Duration
	FALKey          string
	FALBaseURL      string
	FetchAllow      []velrofetch.Origin
	RenderDelay     time.Duration
	UploadQuota     int64
	PublicURL       string
	FALTimeout      time.Duration
	Workers         int
	JobTimeout      time.Duration
	JobRescueAfter  time.Duration
	MediaURL        string
	AuditRetention  time.Duration
	PerfTracking    bool
	MetricsToken    string
	MetricsAddr     string
	BackupTo        string
	ReplicaURL      string

	CreditPacks         velro.CreditPacks
	StripeSecretKey     string
	StripeWebhookSecret string
	StripeAPIBase       string

	MaxActiveGenerations int // each user's generations in flight; 0: no cap

	postgres *pgxpool.Config  // parsed DATABASE_URL, nil for SQLite
	redis    *redis.Options   // parsed REDIS_URL, nil without Redis
	media    *media.S3Config  // parsed VELRO_MEDIA_URL, nil for the data dir
	smtp     *mail.SMTPConfig // parsed VELRO_SMTP_URL, nil for the outbox
	replica  *replica.Target  // parsed VELRO_REPLICA_URL, nil without replication
}

// configError is a bad setting: run prints it as one line saying what to fix.
type configError struct{ setting, problem, fix string }

func (e *configError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.setting, e.problem, e.fix)
}

// parseConfig reads the settings from args and getenv. It only reads: it
// creates nothing (the data dir is made at start-up).
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c, rest, err := parseConfigArgs(name, args, getenv, stderr, settingsHelp(name))
	if err == nil && len(rest) > 0 {
		return nil, &configError{"argument", fmt.Sprintf("%q is not understood", rest[0]), "see velro " + strings.TrimPrefix(name, "velro ") + " -h"}
	}
	return c, err
}

// parseConfigArgs is parseConfig for commands that take arguments among
// the flags: it returns them. extra adds a command's own flags.
func parseConfigArgs(name string, args []string, getenv func(string) string, stderr io.Writer, help string, extra ...func(*flag.FlagSet)) (*config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, help) }
	flags := make(map[string]*string, len(settings))
	for _, s := range settings {
		if s.Flag != "" {
			flags[s.Flag] = fs.String(s.Flag, "", s.Usage)
		}
	}
	for _, add := range extra {
		add(fs)
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, err
		}
		if args = fs.Args(); len(args) == 0 {
			break
		}
		positional, args = append(positional, args[0]), args[1:] // flags may follow an argument
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	c := &config{}
	for _, s := range settings {
		if s.set == nil {
			continue // read by the Go runtime or a library, listed for the docs
		}
		value, source := s.Default, s.Env
		if v, ok := s.fromEnv(getenv); ok {
			value = v
		}
		if given[s.Flag] {
			value, source = strings.TrimSpace(*flags[s.Flag]), "--"+s.Flag
		}
		if err := s.set(c, value); err != nil {
			var ce *configError
			if errors.As(err, &ce) {
				return nil, nil, err
			}
			return nil, nil, &configError{source, fmt.Sprintf("%q %v", value, err), s.Fix}
		}
	}
	if err := c.check(getenv); err != nil {
		return nil, nil, err
	}
	return c, positional, nil
}

// fromEnv returns the setting's value from its environment variable or,
// failing that, its aliases.
func (s setting) fromEnv(getenv func(string) string) (string, bool) {
	for _, key := range append([]string{s.Env}, s.Aliases...) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			if s.alias != nil && key != s.Env {
				v = s.alias(v)
			}
			return v, true
		}
	}
	return "", false
}

// check validates what depends on several settings, or on variables read
// by libraries (the AWS credentials of an S3 media store).
func (c *config) check(getenv func(string) string) (err error) {
	if c.JobTimeout == 0 {
		c.JobTimeout = c.FALTimeout + c.RenderDelay + time.Minute
	}
	if c.JobRescueAfter == 0 {
		c.JobRescueAfter = c.JobTimeout + 5*time.Minute
	}
	if c.JobRescueAfter <= c.JobTimeout {
		return &configError{"VELRO_JOB_RESCUE_AFTER", fmt.Sprintf("(%v) is not longer than VELRO_JOB_TIMEOUT (%v)", c.JobRescueAfter, c.JobTimeout),
			"a running job would be run twice; make it longer"}
	}
	if c.MediaURL != "" {
		if c.media, err = media.ParseS3URL(c.MediaURL, getenv); err != nil {
			return &configError{"VELRO_MEDIA_URL", err.Error(), "set it like " + s3URLExample + ", or unset it to keep media in the data dir"}
		}
	}
	if err := c.parsePostgres(); err != nil {
		return err
	}
	return c.checkBackups(getenv)
}

// appURL is where mail links go: VELRO_APP_URL, else the studio of this
// server, at the public URL or on localhost at the port it listens on.
func (c *config) appURL(listening net.Addr) string {
	switch {
	case c.AppURL != "":
		return c.AppURL
	case c.PublicURL != "":
		return c.PublicURL
	}
	_, port, _ := net.SplitHostPort(listening.String())
	return "http://localhost:" + port
}

// prepareDataDir creates the data dir if needed and proves a file can be
// written there: the first thing start-up does.
func (c *config) prepareDataDir() error {
	err := os.MkdirAll(c.DataDir, 0o750)
	if err == nil {
		var f *os.File
		if f, err = os.CreateTemp(c.DataDir, ".write-check-*"); err == nil {
			err = errors.Join(f.Close(), os.Remove(f.Name()))
		}
	}
	if err != nil {
		return &configError{"data dir " + c.DataDir, "is not writable (" + err.Error() + ")", "pass --data-dir or VELRO_DATA_DIR naming a writable directory"}
	}
	return nil
}

// backupDir is where backups go by default.
func (c *config) backupDir() string { return filepath.Join(c.DataDir, "backups") }

// outboxDir is where mails go without a mail server.
func (c *config) outboxDir() string { return filepath.Join(c.DataDir, "outbox") }

// sqlitePath is where the embedded database lives.
func (c *config) sqlitePath() string { return filepath.Join(c.DataDir, "velro.db") }
