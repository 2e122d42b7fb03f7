package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/api"
	"github.com/velro-ai/velro/auth"
	velrofetch "github.com/velro-ai/velro/fetch" // the tests of this package have a fetch helper
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/mail"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/queue"
	"github.com/velro-ai/velro/redis"
	"github.com/velro-ai/velro/service"
)

// serve runs the server until ctx is cancelled (SIGTERM/SIGINT), then
// stops accepting, finishes in-flight requests and jobs within the shutdown
// timeout and returns nil (see lifecycle).
func serve(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if err := cfg.prepareDataDir(); err != nil {
		return err
	}
	unlock, err := lockDataDir(cfg)
	if err != nil {
		return err
	}
	defer unlock()
	// Listen before anything else starts, migrations included: a taken
	// port refuses the server before it changed anything.
	ln, metricsLn, err := listen(cfg)
	if err != nil {
		return err
	}
	defer ln.Close() // serving closes it; this is for the returns before
	d, err := openDeps(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.replicate(ctx, cfg, stderr, log); err != nil {
		return err
	}
	// What starts with ctx ends before the stores close, also when serve
	// fails to start.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	mon := newMonitoring(cfg, d, log)
	store, engine := d.guarded(cfg, log, mon.observer)
	mon.register(engine)
	admins := velro.NewAdminEmails(cfg.AdminEmails)
	authCfg := auth.Config{Admins: admins, Bus: d.bus, Log: log, RegisterLimit: cfg.RegisterLimit,
		Lifetime: velro.SessionLifetime{Idle: cfg.SessionIdle, Max: cfg.SessionMax}, KeyReload: cfg.KeyReload, Observer: mon.observer}
	readiness := []api.Dependency{{Name: "database", Required: true, Ping: d.store.Ping}}
	if d.redis != nil {
		authCfg.SharedLimiter = redis.NewLimiter(d.redis)
		readiness = append(readiness, api.Dependency{Name: "redis", Ping: d.redis.Ping})
	}
	authSvc, err := auth.NewService(ctx, store, authCfg)
	if err != nil {
		return fmt.Errorf("start authentication: %w", err)
	}

	files, err := openMedia(ctx, cfg)
	if err != nil {
		return fmt.Errorf("media storage: %w", err)
	}
	mediaKey, _, err := d.store.Secret(ctx, "media_hmac_key", velro.RandomSecret(32))
	if err != nil {
		return err
	}
	signer := media.NewSigner(mediaKey)
	notifier := generate.NewNotifier(d.bus)
	providers := map[string]generate.Provider{velro.ProviderLocal: &generate.Local{Delay: cfg.RenderDelay}}
	if cfg.FALKey != "" {
		providers[velro.ProviderFAL] = generate.NewFAL(generate.FALConfig{Key: cfg.FALKey, BaseURL: cfg.FALBaseURL, Allow: cfg.FetchAllow, Timeout: cfg.FALTimeout})
	}
	sender, err := openMail(cfg, log)
	if err != nil {
		return err
	}
	jobs, err := newQueue(d.engine, queue.Config{
		Mailer: &mail.Postman{Store: store, Sender: sender, AppURL: cfg.appURL(ln.Addr()), Log: log},
		Runner: &generate.Worker{Store: store, Media: files, Providers: providers, Notifier: notifier, Log: log,
			AttemptTimeout: cfg.JobTimeout, Signer: signer, PublicURL: cfg.PublicURL},
		Workers:     cfg.Workers,
		MaxAttempts: maxAttempts,
		RescueAfter: cfg.JobRescueAfter,
		Interrupted: generate.ErrInterrupted,
		Log:         log,
	})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	d.store.UseJobs(jobs)
	accounts := service.NewAccounts(store, service.AccountsConfig{Admins: admins, AdminMFA: cfg.AdminMFA, Passwords: authSvc, Media: files, Log: log})
	audit := service.NewAudit(store, accounts, cfg.AuditRetention, log)
	uploads := service.NewUploads(store, engine, files, cfg.UploadQuota)
	generations := &generate.Service{Store: store, Authz: engine, Media: files, FALKey: cfg.FALKey != "",
		Uploads: uploads, Fetch: velrofetch.New(velrofetch.Config{Allow: cfg.FetchAllow, Timeout: generate.ReferenceFetchTimeout})}

	closing := make(chan struct{}) // closed as shutdown starts: streams end
	handler := api.NewServer(api.Config{
		Log:      log,
		Auth:     authSvc,
		Accounts: accounts,
		Projects: service.NewProjects(store, engine),
		Teams: service.NewTeams(store, engine, service.TeamsConfig{Throttle: auth.NewThrottle(authCfg.SharedLimiter, log),
			Limits: teamLimits(cfg)}),
		Audit:          audit,
		Payments:       newPayments(cfg, store, accounts, log),
		Authz:          engine,
		Dependencies:   readiness,
		CORSOrigins:    cfg.CORSOrigins,
		Metrics:        mon.apiMetrics(cfg),
		Perf:           mon.tracker,
		Generations:    generations,
		Uploads:        uploads,
		Notifier:       notifier,
		Closing:        closing,
		Media:          files,
		Signer:         signer,
		PublicURL:      cfg.PublicURL,
		Studio:         cfg.Studio,
		TrustedProxies: cfg.TrustedProxies,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { close(closing) })
	reaper := &generate.Reaper{Store: store, Log: log,
		After: time.Duration(maxAttempts+1) * (cfg.JobRescueAfter + time.Minute)}
	loops := append([]func(context.Context){reaper.Run, authSvc.KeepKeysCurrent, func(ctx context.Context) { audit.KeepRetention(ctx, time.Hour) },
		returnIdleMemory}, d.loops...)
	if mon.tracker != nil {
		loops = append(loops, func(ctx context.Context) { mon.tracker.Run(ctx, engine.Stats) })
	}
	if metricsLn != nil {
		defer metricsLn.Close()
		loops = append(loops, serveUntil(mon.metricsServer(cfg, metricsLn, log), metricsLn))
	}
	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil { // stopped by the lifecycle, gracefully
		return fmt.Errorf("start job queue: %w", err)
	}
	log.Info("velro started", "version", velro.Version, "addr", ln.Addr().String(), "storage", d.engine.Name(), "redis", d.redis != nil)
	fmt.Fprintf(stdout, "velro listening on http://%s\n", ln.Addr())
	return (&lifecycle{srv: srv, ln: ln, jobs: jobs, loops: loops, timeout: cfg.ShutdownTimeout, log: log}).run(ctx)
}

// listen opens the API's address and, when it has one of its own, the
// metrics' address.
func listen(cfg *config) (api, metrics net.Listener, err error) {
	api, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w (set --addr, VELRO_ADDR or PORT)", cfg.Addr, err)
	}
	if cfg.MetricsAddr == "" {
		return api, nil, nil
	}
	metrics, err = net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		api.Close()
		return nil, nil, fmt.Errorf("listen on %s: %w (set VELRO_METRICS_ADDR)", cfg.MetricsAddr, err)
	}
	return api, metrics, nil
}

// openMail returns the mail server VELRO_SMTP_URL names, or else the
// outbox directory of the data dir.
func openMail(cfg *config, log *slog.Logger) (mail.Sender, error) {
	if cfg.smtp != nil {
		return mail.NewSMTP(*cfg.smtp, cfg.MailFrom, nil), nil
	}
	outbox, err := mail.NewOutbox(cfg.outboxDir(), cfg.MailFrom, log)
	if err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	return outbox, nil
}

// maxAttempts is how often a generation job runs before it fails.
const maxAttempts = 3

// teamLimits are the default limits with the account's invitations an hour
// set by VELRO_INVITE_LIMIT.
func teamLimits(cfg *config) service.TeamLimits {
	l := service.DefaultTeamLimits
	l.InvitesPerInviter = cfg.InviteLimit
	return l
}
