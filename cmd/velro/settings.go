package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	velrofetch "github.com/velro-ai/velro/fetch" // the tests of this package have a fetch helper
	"github.com/velro-ai/velro/mail"
	"github.com/velro-ai/velro/postgres"
	"github.com/velro-ai/velro/redis"
)

// setting is one configuration knob. The table below is the only list of
// them: parsing, `velro serve -h` and the README's configuration table
// (checked by a test) all come from it.
type setting struct {
	Flag    string   // without dashes; "" for variables read by the Go runtime
	Env     string   // its environment variable
	Aliases []string // further variables, tried in order when Env is unset
	Default string   // the value when neither is given
	Shown   string   // the default as documented, when it is derived
	Usage   string
	Fix     string // what to do about a value set refuses
	// set applies a value (Default when unset) to the config; nil for the
	// variables read by the Go runtime or a library, listed for the docs.
	set func(c *config, v string) error
	// alias turns an alias's value into the setting's (PORT=9000 -> :9000).
	alias func(v string) string
}

// settings lists every setting, in the order of the docs.
var settings = []setting{
	{Flag: "addr", Env: "VELRO_ADDR", Aliases: []string{"PORT"}, Default: ":8080",
		Usage: "listen address; `PORT=9000` means `:9000`", Fix: "set a host:port like :8080",
		set: func(c *config, v string) error { c.Addr = v; return nil }, alias: func(v string) string { return ":" + v }},
	{Flag: "data-dir", Env: "VELRO_DATA_DIR", Default: "./velro-data",
		Usage: "the SQLite database `velro.db` (accounts, sessions, signing keys), media files and the mail outbox; created at start-up, must be writable; one server at a time on SQLite (`velro.lock`)", Fix: "name a writable directory",
		set: func(c *config, v string) error { c.DataDir = v; return nil }},
	{Flag: "database-url", Env: "DATABASE_URL", Shown: "(SQLite)",
		Usage: "`postgres://user:pass@host:5432/db` switches storage to PostgreSQL",
		set:   setDatabaseURL},
	{Flag: "db-max-conns", Env: "VELRO_DB_MAX_CONNS", Default: "0", Shown: "max(4, CPUs) + workers",
		Usage: "PostgreSQL connections of requests and generation workers per instance (the job queue has 4 more of its own); the default keeps pgx's max(4, CPUs) for requests plus one per worker, so busy workers never take the requests' share; `pool_max_conns` in `DATABASE_URL` is kept unless this is set. Mind the server's `max_connections` across instances", Fix: "set a number like 20, or 0 for the default",
		set: intSetting(0, func(c *config, n int) { c.DBMaxConns = n })},
	{Flag: "db-timeout", Env: "VELRO_DB_TIMEOUT", Default: "2s",
		Usage: "deadline of every database call, waiting for a pooled connection included; past it the request gets `503 unavailable`. PostgreSQL cancels a statement 1s past it (`statement_timeout`, unless `DATABASE_URL` sets one; the job queue's statements get 70s, migrations no limit)", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.DBTimeout = d })},
	{Flag: "redis-url", Env: "REDIS_URL", Shown: "(none)",
		Usage: "Redis 7+: shared L2 authorization cache, event bus, shared login throttling; `redis://host:6379/0` names one server, `redis+cluster://host1:6379?addr=host2:6379&addr=host3:6379` a Redis Cluster (any of its nodes; `rediss://` and `rediss+cluster://` for TLS)",
		set:   setRedisURL},
	{Flag: "redis-timeout", Env: "VELRO_REDIS_TIMEOUT", Default: "300ms",
		Usage: "deadline of each Redis call a request waits on (L2 cache, bus publish, shared throttling); past it Redis counts as down for a moment: authorization reads the database and each instance throttles logins on its own counts until Redis answers again", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.RedisTimeout = d })},
	{Flag: "redis-prefix", Env: "VELRO_REDIS_PREFIX", Default: redis.DefaultPrefix,
		Usage: "prefix of every Redis key and channel",
		set:   func(c *config, v string) error { c.RedisPrefix = v; return nil }},
	{Flag: "media-url", Env: "VELRO_MEDIA_URL", Shown: "(the data dir)",
		Usage: "where media (generation outputs, uploads) live: `s3://bucket/prefix?endpoint=https://host:9000&region=us-east-1&path_style=true` uses an S3-compatible store (AWS S3 when `endpoint` is left out; `path_style` for MinIO and the like; credentials from the AWS variables below); signed media URLs stay Velro's",
		set:   func(c *config, v string) error { c.MediaURL = v; return nil }},
	{Env: "AWS_ACCESS_KEY_ID", Shown: "(none)", Usage: "S3 access key, required with an `s3://` media URL"},
	{Env: "AWS_SECRET_ACCESS_KEY", Shown: "(none)", Usage: "S3 secret key, required with an `s3://` media URL"},
	{Env: "AWS_SESSION_TOKEN", Shown: "(none)", Usage: "S3 session token, for temporary credentials only"},
	{Env: "AWS_REGION", Shown: "(asked of the store)", Usage: "S3 region when the media URL names none"},
	{Flag: "backup-to", Env: "VELRO_BACKUP_TO", Shown: "`<data-dir>/backups`",
		Usage: "where backups go: a directory, or `s3://bucket/prefix?endpoint=...` like the media URL (the AWS variables below)",
		set:   func(c *config, v string) error { c.BackupTo = v; return nil }},
	{Flag: "replica-url", Env: "VELRO_REPLICA_URL", Shown: "(none)",
		Usage: "streams every committed transaction of the SQLite database to a replica within a second (Litestream, built in): `file:///path` or `s3://bucket/prefix?endpoint=...` (the AWS variables below; `AWS_CA_BUNDLE` is not supported, trust a private CA with `SSL_CERT_FILE`); `velro backup restore --from-replica` restores from it. SQLite only",
		set:   func(c *config, v string) error { c.ReplicaURL = v; return nil }},
	{Flag: "admin-emails", Env: "VELRO_ADMIN_EMAILS", Shown: "(none)",
		Usage: "comma-separated emails whose accounts are admins once the address is verified; an address taken off the list loses admin on its next request (`velro users set-role` grants it without mail)",
		set:   func(c *config, v string) error { c.AdminEmails = list(v); return nil }},
	{Flag: "admin-mfa", Env: "VELRO_ADMIN_MFA", Default: "optional",
		Usage: "`required`: admin endpoints answer `403 mfa_required` to sessions that did not pass a second factor (TOTP); `optional` lets any admin session in",
		Fix:   "set optional or required", set: setAdminMFA},
	{Flag: "smtp-url", Env: "VELRO_SMTP_URL", Shown: "(mail goes to `<data-dir>/outbox/`)",
		Usage: "mail server: `smtp://user:pass@host:587` uses STARTTLS when the server offers it and plain SMTP when it does not (local relays), `smtp+starttls://` requires STARTTLS, `smtps://host:465` is implicit TLS; credentials are sent only over TLS. Without it every mail is written as an `.eml` file to `<data-dir>/outbox/` and the log names the file",
		set:   setSMTPURL},
	{Flag: "mail-from", Env: "VELRO_MAIL_FROM", Default: "Velro <no-reply@localhost>",
		Usage: "sender of every mail; set it with `VELRO_SMTP_URL` (a relay refuses senders of domains it does not serve)",
		Fix:   "set an address like Velro <no-reply@velro.example>", set: setMailFrom},
	{Flag: "app-url", Env: "VELRO_APP_URL", Shown: "(the studio: `VELRO_PUBLIC_URL`, else `http://localhost:<port>`)",
		Usage: "origin of the web app, used in the links of mails (`/reset-password?token=...`, `/verify-email?token=...`, `/invitations/{token}`); by default the studio this server serves",
		Fix:   "set the origin users open, like https://app.velro.example", set: func(c *config, v string) error { c.AppURL = v; return optionalHTTPURL(v) }},
	{Flag: "studio", Env: "VELRO_STUDIO", Default: "on",
		Usage: "`on` serves the studio, Velro's web app, at `/`; `off` leaves `/` and the studio's pages answering 404 (the API, `/docs` and `/dashboard` stay)",
		Fix:   "set on or off", set: func(c *config, v string) error {
			if v != "on" && v != "off" {
				return errors.New("is neither on nor off")
			}
			c.Studio = v == "on"
			return nil
		}},
	{Flag: "cors-origins", Env: "VELRO_CORS_ORIGINS", Shown: "(none)",
		Usage: "comma-separated browser origins allowed by CORS",
		set:   func(c *config, v string) error { c.CORSOrigins = list(v); return nil }},
	{Flag: "trusted-proxies", Env: "VELRO_TRUSTED_PROXIES", Shown: "(none)",
		Usage: "comma-separated load-balancer addresses or CIDRs whose `X-Forwarded-For` names the client (throttling, logs) and whose `X-Forwarded-Proto` and `X-Forwarded-Host` shape signed media URLs; without it the peer address is the client and forwarding headers are ignored",
		Fix:   "list addresses or networks like 10.0.0.0/8", set: setTrustedProxies},
	{Flag: "register-limit", Env: "VELRO_REGISTER_LIMIT", Default: "10",
		Usage: "registrations one client address may make an hour (`429` beyond); `0` turns the limit off", Fix: "set a number like 10, or 0 for no limit",
		set: intSetting(0, func(c *config, n int) { c.RegisterLimit = n })},
	{Flag: "invite-limit", Env: "VELRO_INVITE_LIMIT", Default: "20",
		Usage: "team invitations one account may send an hour (`429` beyond; a team sends at most 50 an hour and an address gets at most 3 a day whatever this says); `0` turns this limit off", Fix: "set a number like 20, or 0 for no limit",
		set: intSetting(0, func(c *config, n int) { c.InviteLimit = n })},
	{Flag: "session-idle", Env: "VELRO_SESSION_IDLE", Default: "30d",
		Usage: "a session not refreshed for this long ends (refresh answers `401`); days (`30d`) or a Go duration", Fix: sessionFix,
		set: sessionSetting(func(c *config, d time.Duration) { c.SessionIdle = d })},
	{Flag: "session-max", Env: "VELRO_SESSION_MAX", Default: "90d",
		Usage: "a session ends this long after login however often it is refreshed; its access tokens stop working with it; days (`90d`) or a Go duration", Fix: sessionFix,
		set: sessionSetting(func(c *config, d time.Duration) { c.SessionMax = d })},
	{Flag: "key-reload", Env: "VELRO_KEY_RELOAD", Default: "1m",
		Usage: "how often each instance re-reads the token-signing keys; `velro keys rotate` reaches instances at once over Redis or PostgreSQL, and within this period otherwise (SQLite, a missed event)", Fix: "use a Go duration of at least 1s, like 1m",
		set: func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second {
				return errors.New("is not a duration of at least 1s")
			}
			c.KeyReload = d
			return nil
		}},
	{Flag: "public-url", Env: "VELRO_PUBLIC_URL", Shown: "(the request's host)",
		Usage: "origin of signed media URLs, e.g. `https://api.velro.example`", Fix: "set the origin clients reach, like https://api.velro.example",
		set: func(c *config, v string) error { c.PublicURL = v; return optionalHTTPURL(v) }},
	{Flag: "upload-quota", Env: "VELRO_UPLOAD_QUOTA", Default: "1GiB",
		Usage: "the most each user's uploads may take: bytes, or with a `KiB`, `MiB` or `GiB` suffix (`0` refuses uploads); a file may be at most 20 MiB", Fix: "set a whole number of bytes, or of KiB, MiB or GiB, like 1GiB or 500MiB (no GB or MB)",
		set: setUploadQuota},
	{Flag: "credit-packs", Env: "VELRO_CREDIT_PACKS", Default: velro.DefaultCreditPacks,
		Usage: "the credit packs users can buy, `id:credits:amount:currency` comma separated, `amount` in the currency's minor unit (cents); a paid checkout keeps the credits and price it was created with",
		set:   setCreditPacks},
	{Flag: "stripe-secret-key", Env: "STRIPE_SECRET_KEY", Shown: "(none)",
		Usage: "enables buying credits with Stripe Checkout (`sk_test_...` in test mode); without it checkout answers `503 payments_unavailable` (prefer the environment: flags show in ps)",
		Fix:   "set the secret key of the Stripe dashboard, like sk_test_..., or unset it",
		set:   setStripeSecretKey},
	{Flag: "stripe-webhook-secret", Env: "STRIPE_WEBHOOK_SECRET", Shown: "(none)",
		Usage: "signing secret (`whsec_...`) of the Stripe webhook endpoint `/api/v1/billing/stripe/webhook`; without it the endpoint refuses every event, so nothing paid is credited",
		Fix:   "set the endpoint's signing secret from the Stripe dashboard, like whsec_..., or unset it",
		set:   setStripeWebhookSecret},
	{Flag: "stripe-api-base", Env: "STRIPE_API_BASE", Default: "https://api.stripe.com",
		Usage: "Stripe API base URL; a Stripe-compatible server (stripe-mock in tests)", Fix: "set it like https://api.stripe.com",
		set: func(c *config, v string) error { c.StripeAPIBase = v; return httpURL(v) }},
	{Flag: "fal-key", Env: "FAL_KEY", Shown: "(none)",
		Usage: "enables the FAL models; without it they are listed inactive and refused with 503 (prefer the environment: flags show in ps)",
		set:   func(c *config, v string) error { c.FALKey = v; return nil }},
	{Flag: "fal-base-url", Env: "FAL_BASE_URL", Default: "https://queue.fal.run",
		Usage: "FAL queue API base URL", Fix: "set it like https://queue.fal.run",
		set: func(c *config, v string) error { c.FALBaseURL = v; return httpURL(v) }},
	{Flag: "fetch-allow", Env: "VELRO_FETCH_ALLOW", Shown: "(none)",
		Usage: "comma-separated origins (`scheme://host:port`) provider outputs may be fetched from over plain http or on private addresses (on-premises storage, tests); any other fetch is https to a public address, or to `FAL_BASE_URL`'s origin",
		Fix:   "list origins like https://storage.internal:9000", set: setFetchAllow},
	{Flag: "fal-timeout", Env: "VELRO_FAL_TIMEOUT", Default: "10m",
		Usage: "longest wait for one FAL generation", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.FALTimeout = d })},
	{Flag: "render-delay", Env: "VELRO_LOCAL_RENDER_DELAY", Default: "0",
		Usage: "makes the built-in renderer take this long, like a real provider", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.RenderDelay = d })},
	{Flag: "workers", Env: "VELRO_WORKERS", Default: "4",
		Usage: "generation jobs run at once per instance (at least 1: every instance runs jobs)", Fix: "set a number of at least 1, like 4",
		set: intSetting(1, func(c *config, n int) { c.Workers = n })},
	{Flag: "max-active-generations", Env: "VELRO_MAX_ACTIVE_GENERATIONS", Default: "10",
		Usage: "pending and processing generations one user may have; a submit past it gets `429`. `0` turns the cap off", Fix: "set a number like 10, or 0 for no cap",
		set: intSetting(0, func(c *config, n int) { c.MaxActiveGenerations = n })},
	{Flag: "job-timeout", Env: "VELRO_JOB_TIMEOUT", Shown: "FAL timeout + render delay + 1m",
		Usage: "limit of one job attempt", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.JobTimeout = d })},
	{Flag: "job-rescue-after", Env: "VELRO_JOB_RESCUE_AFTER", Shown: "job timeout + 5m",
		Usage: "a job running longer is presumed lost with its instance and run again; must exceed the job timeout", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.JobRescueAfter = d })},
	{Flag: "authz-cache", Env: "VELRO_AUTHZ_CACHE", Default: "on",
		Usage: "`off` makes every authorization check read the base tables (debugging)", Fix: onOffFix,
		set: onOffSetting(func(c *config, on bool) { c.AuthzCache = on })},
	{Flag: "authz-l1-size", Env: "VELRO_AUTHZ_L1_SIZE", Default: "100000",
		Usage: "in-process authorization cache entries", Fix: "set a number like 100000",
		set: intSetting(1, func(c *config, n int) { c.AuthzL1Size = n })},
	{Flag: "authz-l1-ttl", Env: "VELRO_AUTHZ_L1_TTL", Default: "1m",
		Usage: "in-process authorization cache lifetime", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.AuthzL1TTL = d })},
	{Flag: "authz-l2-ttl", Env: "VELRO_AUTHZ_L2_TTL", Default: "5m",
		Usage: "Redis authorization cache lifetime", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.AuthzL2TTL = d })},
	{Flag: "audit-retention", Env: "VELRO_AUDIT_RETENTION", Default: "90d",
		Usage: "how long the audit log keeps events; days (`90d`) or a Go duration", Fix: "use days like 90d or a Go duration like 720h",
		set: func(c *config, v string) (err error) { c.AuditRetention, err = days(v); return err }},
	{Flag: "perf-tracking", Env: "VELRO_PERF_TRACKING", Default: "on",
		Usage: "`off` stops timing operations and requests: no latency metrics, and `/api/v1/monitoring/performance` answers 503", Fix: onOffFix,
		set: onOffSetting(func(c *config, on bool) { c.PerfTracking = on })},
	{Flag: "metrics-token", Env: "VELRO_METRICS_TOKEN", Shown: "(none)",
		Usage: "`/metrics` then answers only requests with `Authorization: Bearer <token>` (prefer the environment: flags show in ps)",
		set:   func(c *config, v string) error { c.MetricsToken = v; return nil }},
	{Flag: "metrics-addr", Env: "VELRO_METRICS_ADDR", Shown: "(none)",
		Usage: "serve `/metrics` on this address only (e.g. `127.0.0.1:9090`, an internal interface), not on the API's",
		Fix:   "set an internal address like 127.0.0.1:9090",
		set: func(c *config, v string) error {
			c.MetricsAddr = v
			if _, _, err := net.SplitHostPort(v); v != "" && err != nil {
				return errors.New("is not a host:port address")
			}
			return nil
		}},
	{Flag: "log-level", Env: "VELRO_LOG_LEVEL", Default: "info",
		Usage: "`debug`, `info` (one JSON access-log line per request), `warn`, `error`", Fix: "use debug, info, warn or error",
		set: func(c *config, v string) error {
			if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
				return errors.New("is not a level")
			}
			return nil
		}},
	{Flag: "shutdown-timeout", Env: "VELRO_SHUTDOWN_TIMEOUT", Default: "20s",
		Usage: "how long SIGTERM waits for in-flight requests and jobs (event streams end at once; jobs still running after three quarters of it are cancelled and run again later)", Fix: durationFix,
		set: durationSetting(func(c *config, d time.Duration) { c.ShutdownTimeout = d })},
	{Env: "GOGC", Default: "400", Shown: "`400` (Go's is 100)",
		Usage: "Go's GC target (a whole number or `off`; velro refuses anything else, which Go would read as 100); velro raises it because each password hash allocates 19 MiB and frequent collections doubled login p99 (BENCHMARKS.md)"},
	{Env: "GOMEMLIMIT", Default: "400MiB", Shown: "`400MiB`",
		Usage: "Go's soft memory limit, bounding the larger heap `GOGC=400` allows; `off` removes it. Go's runtime reads it before velro starts: a malformed value stops the process with `fatal error: malformed GOMEMLIMIT`, a stack trace and exit status 2"},
}

const (
	durationFix = "use a Go duration like 2s or 500ms"
	onOffFix    = "set on (the default) or off"
)

// onOffSetting parses on or off.
func onOffSetting(apply func(*config, bool)) func(*config, string) error {
	return func(c *config, v string) error {
		if v != "on" && v != "off" {
			return errors.New("is not on or off")
		}
		apply(c, v == "on")
		return nil
	}
}

// sessionFix explains the session lifetimes' lower bound.
var sessionFix = fmt.Sprintf("use days like 30d or a Go duration of at least %v (an access token's life)", auth.AccessTokenTTL)

// sessionSetting parses a session lifetime: at least an access token's
// life, so no access token outlives the idle limit of its session.
func sessionSetting(apply func(*config, time.Duration)) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := days(v)
		if err != nil || d < auth.AccessTokenTTL {
			return fmt.Errorf("is not a number of days or a duration of at least %v", auth.AccessTokenTTL)
		}
		apply(c, d)
		return nil
	}
}

// intSetting parses a whole number of at least least.
func intSetting(least int, apply func(*config, int)) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			return fmt.Errorf("is not a whole number of at least %d", least)
		}
		apply(c, n)
		return nil
	}
}

// durationSetting parses a non-negative Go duration; "" is zero (derived).
func durationSetting(apply func(*config, time.Duration)) func(*config, string) error {
	return func(c *config, v string) error {
		if v == "" {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return errors.New("is not a duration")
		}
		apply(c, d)
		return nil
	}
}

// days parses a positive number of days ("90d") or a Go duration.
func days(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d > 0 {
			return time.Duration(d) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	return 0, errors.New("is not a number of days or a duration")
}

func httpURL(v string) error {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not an http(s) URL")
	}
	return nil
}

func optionalHTTPURL(v string) error {
	if v == "" {
		return nil
	}
	return httpURL(v)
}

func setDatabaseURL(c *config, v string) error {
	c.DatabaseURL = v
	if v == "" {
		return nil
	}
	if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
		return &configError{"DATABASE_URL", "is not a PostgreSQL URL", "set it like postgres://user:password@host:5432/velro, or unset it to use SQLite"}
	}
	return nil
}

func setSMTPURL(c *config, v string) (err error) {
	c.SMTPURL = v
	if v == "" {
		return nil
	}
	if c.smtp, err = mail.ParseURL(v); err != nil { // the URL holds a password: not repeated
		return &configError{"VELRO_SMTP_URL", err.Error(), "set it like smtp://user:password@mail.example.com:587, or unset it to write mails to the outbox"}
	}
	return nil
}

func setMailFrom(c *config, v string) error {
	c.MailFrom = v
	if _, err := netmail.ParseAddress(v); err != nil {
		return errors.New("is not an address")
	}
	return nil
}

func setRedisURL(c *config, v string) (err error) {
	c.RedisURL = v
	if v == "" {
		return nil
	}
	if c.redis, err = redis.ParseURL(v); err != nil {
		return &configError{"REDIS_URL", "cannot be parsed (" + err.Error() + ")", "set it like redis://host:6379/0 (one server) or redis+cluster://host:6379?addr=host2:6379 (a cluster), or unset it"}
	}
	return nil
}

func setTrustedProxies(c *config, v string) error {
	for _, p := range list(v) {
		prefix, err := netip.ParsePrefix(p)
		if addr, aerr := netip.ParseAddr(p); err != nil && aerr == nil {
			prefix, err = addr.Prefix(addr.BitLen())
		}
		if err != nil {
			return &configError{"VELRO_TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR", p), "list addresses or networks like 10.0.0.0/8"}
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	return nil
}

func setFetchAllow(c *config, v string) error {
	for _, o := range list(v) {
		origin, err := velrofetch.ParseOrigin(o)
		if err != nil {
			return &configError{"VELRO_FETCH_ALLOW", fmt.Sprintf("%q is not an origin (%v)", o, err), "list origins like https://storage.internal:9000"}
		}
		c.FetchAllow = append(c.FetchAllow, origin)
	}
	return nil
}

// parsePostgres parses DATABASE_URL with the pool size, once both are known.
func (c *config) parsePostgres() (err error) {
	if c.DatabaseURL == "" {
		return nil
	}
	if c.postgres, err = postgres.ParseURL(c.DatabaseURL, postgres.Options{MaxConns: int32(c.DBMaxConns), Workers: c.Workers, Timeout: c.DBTimeout}); err != nil {
		return &configError{"DATABASE_URL", "cannot be parsed (" + err.Error() + ")", "set it like postgres://user:password@host:5432/velro"}
	}
	return nil
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

// shownDefault is the default as the docs write it.
func (s setting) shownDefault() string {
	switch {
	case s.Shown != "":
		return s.Shown
	case s.Default == "":
		return "(none)"
	}
	return "`" + s.Default + "`"
}

// settingsHelp is the -h text of a command that reads the settings.
func settingsHelp(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s [flags]\n\nEvery flag can also be set by its environment variable; a flag wins.\n\n", name)
	for _, s := range settings {
		if s.Flag == "" {
			continue
		}
		env := s.Env
		for _, a := range s.Aliases {
			env += " or " + a
		}
		fmt.Fprintf(&b, "  --%s (%s, default %s)\n      %s\n", s.Flag, env, strings.ReplaceAll(s.shownDefault(), "`", ""), strings.ReplaceAll(s.Usage, "`", ""))
	}
	return b.String()
}

// settingsMarkdown is the README's configuration table.
func settingsMarkdown() string {
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
	for _, s := range settings {
		flagCol := ""
		if s.Flag != "" {
			flagCol = "`--" + s.Flag + "`"
		}
		env := "`" + s.Env + "`"
		for _, a := range s.Aliases {
			env += " (or `" + a + "`)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", flagCol, env, s.shownDefault(), s.Usage)
	}
	return b.String()
}

// quotaUnits are the suffixes the settings table allows for a size.
var quotaUnits = map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}

// setCreditPacks parses the packs users can buy.
func setCreditPacks(c *config, v string) (err error) {
	if c.CreditPacks, err = velro.ParseCreditPacks(v); err != nil {
		return &configError{"VELRO_CREDIT_PACKS", err.Error(), "list packs like " + velro.DefaultCreditPacks}
	}
	return nil
}

func setStripeSecretKey(c *config, v string) error {
	c.StripeSecretKey = v
	if v != "" && !strings.HasPrefix(v, "sk_") && !strings.HasPrefix(v, "rk_") {
		return &configError{"STRIPE_SECRET_KEY", "is not a Stripe secret key (sk_... or rk_...)", "set the secret key of the Stripe dashboard, like sk_test_..., or unset it"}
	}
	return nil
}

func setStripeWebhookSecret(c *config, v string) error {
	c.StripeWebhookSecret = v
	if v != "" && !strings.HasPrefix(v, "whsec_") {
		return &configError{"STRIPE_WEBHOOK_SECRET", "is not a webhook signing secret (whsec_...)", "set the endpoint's signing secret from the Stripe dashboard, like whsec_..., or unset it"}
	}
	return nil
}

// setUploadQuota reads a size as the settings table writes it: a whole
// number of bytes, or of KiB, MiB or GiB. Nothing else ("1GB" would be
// 10^9 bytes to some readers and 2^30 to others).
func setUploadQuota(c *config, v string) error {
	digits, unit := v, int64(1)
	for suffix, size := range quotaUnits {
		if d, ok := strings.CutSuffix(v, suffix); ok {
			digits, unit = d, size
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || digits == "" || strings.Trim(digits, "0123456789") != "" || n > math.MaxInt64/unit {
		return errors.New("is not a size")
	}
	c.UploadQuota = n * unit
	return nil
}

// setAdminMFA reads VELRO_ADMIN_MFA.
func setAdminMFA(c *config, v string) error {
	switch v {
	case "optional", "required":
		c.AdminMFA = v == "required"
		return nil
	}
	return errors.New("must be optional or required")
}
