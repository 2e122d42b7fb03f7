// Package auth is Velro's authentication: argon2id password hashing,
// sessions with rotating refresh tokens, EdDSA access tokens verified in
// process, and throttling of password guessing.
package auth

import (
	"cmp"
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/cache"
)

const refreshKeySecret = "refresh_hmac_key"

// Principal is the caller an access token speaks for.
type Principal struct {
	UserID    uuid.UUID
	SessionID uuid.UUID
	// MFA: the session passed a second factor when it signed in.
	MFA bool
	// SignedInAt is when the session signed in (a recent sign-in may add
	// credentials without the password).
	SignedInAt time.Time
}

// Result is what a successful register, login or refresh hands back.
type Result struct {
	// MFA, when set, is all there is: the account needs a second factor
	// (VerifyMFA) before it gets a session.
	MFA          *MFAStep
	User         *velro.User
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}

// Config tunes the Service; zero values take the defaults.
type Config struct {
	// Admins are VELRO_ADMIN_EMAILS: the users handed out carry their
	// effective role.
	Admins velro.AdminEmails
	// RefreshGrace is how long the refresh token just rotated out still
	// works (parallel tabs, a lost response). Default 10 s.
	RefreshGrace time.Duration
	// Hasher defaults to the OWASP parameters, GOMAXPROCS hashes at a time.
	Hasher PasswordHasher
	// SharedLimiter shares the counts that throttle logins, registrations
	// and password resets between instances (Redis); without it each
	// instance counts alone. Each instance counts in memory either way.
	SharedLimiter Limiter
	// Login limits login attempts; default DefaultLoginLimits.
	Login LoginLimits
	// Forgot limits password-reset requests; default DefaultForgotLimits.
	Forgot ForgotLimits
	// RegisterLimit is how many registrations one client may make an
	// hour; 0 means no limit.
	RegisterLimit int
	// Lifetime bounds sessions; default DefaultSessionLifetime.
	Lifetime velro.SessionLifetime
	// KeyReload is how often the signing keys are re-read, for rotations
	// whose event was missed (or that no bus carries: SQLite); default a
	// minute.
	KeyReload time.Duration
	// Bus spreads session revocations and key rotations; default
	// in-process only.
	Bus velro.Bus
	Log *slog.Logger
	// Observer times token verification (velro.OpTokenVerify); nil: off.
	Observer velro.Observer
}

// DefaultSessionLifetime: 30 days without a refresh, 90 days in all.
var DefaultSessionLifetime = velro.SessionLifetime{Idle: 30 * 24 * time.Hour, Max: 90 * 24 * time.Hour}

// Store is what authentication needs of the (guarded) store.
type Store interface {
	KeyStore
	velro.SecretWriter
	CreateUser(ctx context.Context, u *velro.User) (velro.Effects, error)
	FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error)
	FindUserByEmail(ctx context.Context, email string) (*velro.User, error)
	CreateSession(ctx context.Context, s *velro.Session) (velro.Effects, error)
	FindSession(ctx context.Context, id uuid.UUID) (*velro.Session, error)
	RotateSession(ctx context.Context, id uuid.UUID, from int64, now time.Time, l velro.SessionLifetime) (userID uuid.UUID, rotated bool, eff velro.Effects, err error)
	RevokeSession(ctx context.Context, id uuid.UUID, now time.Time, why velro.AuditAction) (velro.Effects, error)
	ListSessions(ctx context.Context, userID uuid.UUID, now time.Time, l velro.SessionLifetime, page velro.Page) ([]*velro.Session, int, error)
	EndSession(ctx context.Context, userID, id uuid.UUID, now time.Time) (velro.Effects, error)
	EndOtherSessions(ctx context.Context, userID, keep uuid.UUID) (int, velro.Effects, error)
	RecordAudit(ctx context.Context, ev *velro.AuditEvent) (velro.Effects, error)
	FindTOTP(ctx context.Context, userID uuid.UUID) (*velro.TOTP, error)
	FindMFAChallenge(ctx context.Context, tokenHash string) (*velro.MFAChallenge, error)
	BeginTOTP(ctx context.Context, userID uuid.UUID, secret string) (velro.Effects, error)
	ConfirmTOTP(ctx context.Context, userID uuid.UUID, step int64, recoveryHashes []string) (velro.Effects, error)
	UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) (bool, velro.Effects, error)
	DisableTOTP(ctx context.Context, userID uuid.UUID) (velro.Effects, error)
	CreateMFAChallenge(ctx context.Context, c *velro.MFAChallenge) (velro.Effects, error)
	FailMFAChallenge(ctx context.Context, tokenHash string) (velro.Effects, error)
	PassMFAChallenge(ctx context.Context, tokenHash string, f velro.SecondFactor, now time.Time) (*velro.MFAChallenge, velro.Effects, error)
	ChangePassword(ctx context.Context, userID uuid.UUID, passwordHash string, keep uuid.UUID) (velro.Effects, error)
	ResetPassword(ctx context.Context, tokenHash, passwordHash string) (*velro.User, velro.Effects, error)
	QueueMail(ctx context.Context, m velro.MailJob) (velro.Effects, error)
}

// Service implements the authentication endpoints.
type Service struct {
	store       Store
	hasher      PasswordHasher
	tokens      *Tokens
	keysChanged chan struct{} // asks KeepKeysCurrent for a reload
	keyReload   time.Duration
	refresh     refreshCodec
	sessions    *cache.Local[uuid.UUID, sessionState]
	admins      velro.AdminEmails
	grace       time.Duration
	throttle    *Throttle
	login       LoginLimits
	forgot      ForgotLimits
	register    int
	lifetime    velro.SessionLifetime
	bus         velro.Bus
	log         *slog.Logger
	observer    velro.Observer
	now         func() time.Time // the sessions' clock (velro.Now; tests move it)
}

// sessionState is what request authentication needs to know of a session.
type sessionState struct {
	userID  uuid.UUID
	revoked bool
	mfa     bool
	created time.Time
	ends    time.Time // the session's absolute end
}

// NewService loads the shared keys (creating them on first start),
// and subscribes to session revocations and key rotations on the bus;
// KeepKeysCurrent keeps the keys current.
func NewService(ctx context.Context, store Store, cfg Config) (*Service, error) {
	tokens, err := NewTokens(ctx, store)
	if err != nil {
		return nil, err
	}
	refreshKey, _, err := store.Secret(ctx, refreshKeySecret, velro.RandomSecret(32))
	if err != nil {
		return nil, err
	}
	s := &Service{
		store:       store,
		hasher:      cfg.Hasher,
		tokens:      tokens,
		keysChanged: make(chan struct{}, 1),
		keyReload:   cmp.Or(cfg.KeyReload, time.Minute),
		refresh:     refreshCodec{key: refreshKey},
		// Revocations arrive on the bus; the expiry bounds how long a
		// missed one could matter.
		sessions: cache.NewLocal[uuid.UUID, sessionState](100_000, time.Minute),
		admins:   cfg.Admins,
		grace:    cfg.RefreshGrace,
		login:    cmp.Or(cfg.Login, DefaultLoginLimits),
		forgot:   cmp.Or(cfg.Forgot, DefaultForgotLimits),
		register: cfg.RegisterLimit,
		lifetime: cmp.Or(cfg.Lifetime, DefaultSessionLifetime),
		bus:      cfg.Bus,
		log:      cfg.Log,
		observer: cfg.Observer,
		now:      velro.Now,
	}
	if s.hasher == nil {
		s.hasher = NewHasher(OWASPParams(), 0, 5*time.Second)
	}
	if s.grace <= 0 {
		s.grace = 10 * time.Second
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.throttle = NewThrottle(cfg.SharedLimiter, s.log)
	if s.bus == nil {
		s.bus = new(bus.Local)
	}
	s.bus.Subscribe(s.apply)
	return s, nil
}

// Lifetime is how long sessions live.
func (s *Service) Lifetime() velro.SessionLifetime { return s.lifetime }

// Tokens returns the access-token signer (for the JWKS endpoint).
func (s *Service) Tokens() *Tokens { return s.tokens }

// apply updates the session cache from a bus event, and asks for a reload
// of the signing keys after a rotation or a reconnection (which may have
// missed one).
func (s *Service) apply(ev velro.Event) {
	if ev.Flush {
		s.sessions.InvalidateAll()
	}
	if len(ev.Sessions) > 0 {
		s.sessions.Invalidate(ev.Sessions...)
	}
	if ev.SigningKeys || ev.Flush {
		select {
		case s.keysChanged <- struct{}{}:
		default: // a reload is pending already
		}
	}
}

var (
	errBadCredentials = &velro.Error{Code: velro.EUNAUTHORIZED, Message: "Invalid email or password"}
	errDisabled       = &velro.Error{Code: velro.EDISABLED, Message: "This account is disabled; ask an administrator."}
)

// Register creates an account with the welcome credits and logs it in.
// Each client (address) may register RegisterLimit accounts an hour.
func (s *Service) Register(ctx context.Context, email, password, fullName, clientAddr string) (_ *Result, err error) {
	email, err = velro.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	fullName = strings.TrimSpace(fullName)
	if len([]rune(fullName)) > 100 {
		return nil, velro.Invalid("full_name", "must be at most 100 characters")
	}
	if err := velro.CheckName("full_name", fullName); err != nil {
		return nil, err
	}
	bucket := Bucket{Key: "register", Limit: s.register, Window: time.Hour}
	attempt, err := s.throttle.Reserve(ctx, clientAddr, "Too many registrations from this address; try again later.", bucket)
	if err != nil {
		return nil, err
	}
	defer func() {
		// What did not register (but a duplicate email: probing counts)
		// does not use up the limit.
		if err != nil && velro.ErrorCode(err) != velro.ECONFLICT {
			attempt.Release(ctx, bucket)
		}
	}()
	// Hash before touching the database: no connection is held meanwhile.
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	// A listed address becomes admin once verified, never at sign-up:
	// anyone may register any address.
	u := &velro.User{ID: velro.NewID(), Email: email, PasswordHash: hash, FullName: fullName, Role: velro.UserRole}
	if _, err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return s.startSession(ctx, u, velro.SignInPassword, false)
}

// Login checks the password and starts a session. Attempts are reserved
// per account and client address, and per client address, before the
// password is hashed: past a limit the caller gets ERATELIMIT with a
// RetryAfter, however many attempts arrive at once. A failure keeps its
// attempt; a success clears the account's and gives the client's back.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (_ *Result, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	pair, client := s.loginBuckets(email)
	attempt, err := s.throttle.Reserve(ctx, clientAddr, "Too many failed login attempts; try again later.", pair, client)
	if err != nil {
		return nil, err
	}
	defer func() {
		switch {
		case err == nil:
			attempt.Reset(ctx, pair)
			attempt.Release(ctx, client)
		case err != errBadCredentials: // no password was checked
			attempt.Release(ctx, pair, client)
		}
	}()
	u, err := s.store.FindUserByEmail(ctx, email)
	phc := ""
	switch velro.ErrorCode(err) {
	case "":
		phc = u.PasswordHash
	case velro.ENOTFOUND: // verify against the dummy hash: same time either way
	default:
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, phc, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.auditFailedLogin(ctx, email, u)
		return nil, errBadCredentials
	}
	if u.Disabled { // told only to who knows the password
		return nil, errDisabled
	}
	if u.MFAEnabled {
		return s.challenge(ctx, u, velro.SignInPassword)
	}
	return s.startSession(ctx, u, velro.SignInPassword, false)
}

// loginBuckets are a client's login buckets: for the account and for all.
func (s *Service) loginBuckets(email string) (pair, client Bucket) {
	return Bucket{Key: "login-pair:" + email, Limit: s.login.PerAccountClient, Window: s.login.Window},
		Bucket{Key: "login-client", Limit: s.login.PerClient, Window: s.login.Window}
}

// startSession signs u in by method, recording whether a second factor
// was passed and the client the request came from.
func (s *Service) startSession(ctx context.Context, u *velro.User, method velro.SignInMethod, mfa bool) (*Result, error) {
	now := s.now()
	client := velro.ActorFrom(ctx)
	agent := client.UserAgent
	if len(agent) > velro.MaxUserAgent {
		agent = strings.ToValidUTF8(agent[:velro.MaxUserAgent], "")
	}
	sess := &velro.Session{ID: velro.NewID(), UserID: u.ID, CreatedAt: now, RefreshedAt: now, Method: method, MFA: mfa,
		IP: client.IP, UserAgent: agent}
	if _, err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return s.issue(u, sess.ID, 0)
}

func (s *Service) issue(u *velro.User, sessionID uuid.UUID, counter int64) (*Result, error) {
	access, err := s.tokens.Issue(u.ID, sessionID)
	if err != nil {
		return nil, err
	}
	return &Result{User: s.admins.Effective(u), AccessToken: access, RefreshToken: s.refresh.encode(sessionID, counter), ExpiresIn: AccessTokenTTL}, nil
}

var errBadRefresh = &velro.Error{Code: velro.EUNAUTHORIZED, Message: "Invalid or expired refresh token."}

// Refresh rotates a refresh token. The current token moves the session's
// counter on (one conditional update: the common case costs one round
// trip); the token rotated out just before still works within the grace
// period and gets the current one (parallel tabs all succeed); any older
// token is reuse of a stolen token and revokes the whole session. A
// session past its lifetime (idle or absolute) refreshes no more.
func (s *Service) Refresh(ctx context.Context, token string) (*Result, error) {
	sessionID, counter, ok := s.refresh.decode(token)
	if !ok {
		return nil, errBadRefresh
	}
	now := s.now()
	userID, rotated, _, err := s.store.RotateSession(ctx, sessionID, counter, now, s.lifetime)
	if err != nil {
		return nil, err
	}
	next := counter + 1
	if !rotated {
		// Not the current token of a live session: find out why.
		sess, err := s.store.FindSession(ctx, sessionID)
		if velro.ErrorCode(err) == velro.ENOTFOUND {
			return nil, errBadRefresh
		} else if err != nil {
			return nil, err
		}
		switch {
		case !sess.Live() || counter > sess.Counter || sess.Expired(now, s.lifetime):
			return nil, errBadRefresh
		case counter == sess.Counter-1 && now.Sub(sess.RefreshedAt) <= s.grace:
			// A parallel refresh of the same token: hand out the current one.
			userID, next = sess.UserID, sess.Counter
		default:
			s.log.WarnContext(ctx, "refresh token reuse; revoking session", "session_id", sessionID, "user_id", sess.UserID)
			if err := s.revoke(ctx, sessionID, velro.AuditRefreshReuse); err != nil {
				return nil, err
			}
			return nil, errBadRefresh
		}
	}
	u, err := s.store.FindUserByID(ctx, userID)
	if velro.ErrorCode(err) == velro.ENOTFOUND || (err == nil && u.Disabled) {
		return nil, errBadRefresh
	} else if err != nil {
		return nil, err
	}
	return s.issue(u, sessionID, next)
}

// Logout revokes the caller's session: its refresh token and access tokens
// are refused from the next request on, on every instance.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	return s.revoke(ctx, p.SessionID, velro.AuditLogout)
}

// revoke ends a session, audited with why; the guarded store tells every
// instance.
func (s *Service) revoke(ctx context.Context, sessionID uuid.UUID, why velro.AuditAction) error {
	_, err := s.store.RevokeSession(ctx, sessionID, s.now(), why)
	return err
}

// Authenticate verifies an access token and that its session is live. The
// hot path touches no database: tokens are verified in process and session
// states are cached, kept current by revocation events.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	if s.observer == nil {
		return s.authenticate(ctx, accessToken)
	}
	start := time.Now()
	p, err := s.authenticate(ctx, accessToken)
	s.observer.Observe(velro.OpTokenVerify, time.Since(start))
	return p, err
}

func (s *Service) authenticate(ctx context.Context, accessToken string) (Principal, error) {
	claims, err := s.tokens.Verify(ctx, accessToken)
	if err != nil {
		return Principal{}, err
	}
	// While revocations from other instances cannot arrive, ask the
	// database every time.
	state, ok := sessionState{}, false
	if s.bus.Connected() {
		state, ok = s.sessions.Get(claims.SessionID)
	}
	if !ok {
		state, err = s.sessions.Fill(claims.SessionID, func() (sessionState, error) {
			sess, err := s.store.FindSession(ctx, claims.SessionID)
			if velro.ErrorCode(err) == velro.ENOTFOUND {
				return sessionState{}, ErrInvalidToken
			} else if err != nil {
				return sessionState{}, err
			}
			return sessionState{userID: sess.UserID, revoked: !sess.Live(), mfa: sess.MFA, created: sess.CreatedAt, ends: sess.Ends(s.lifetime)}, nil
		})
		if err != nil {
			return Principal{}, err
		}
	}
	// Past its absolute end a session's access tokens die with it; its
	// idle limit (at least an access token's life) cannot pass while one
	// lives, as each was issued at a refresh.
	if state.revoked || state.userID != claims.UserID || !s.now().Before(state.ends) {
		return Principal{}, &velro.Error{Code: velro.EUNAUTHORIZED, Message: "The session has ended; log in again."}
	}
	return Principal{UserID: claims.UserID, SessionID: claims.SessionID, MFA: state.mfa, SignedInAt: state.created}, nil
}

// auditFailedLogin records a wrong password (u is nil for an unknown
// email). It changes nothing else, so it has a transaction of its own; a
// failure to record it is logged, not shown to the caller.
func (s *Service) auditFailedLogin(ctx context.Context, email string, u *velro.User) {
	ev := &velro.AuditEvent{Action: velro.AuditLoginFailed, TargetType: "user", Details: map[string]any{"email": email}}
	if u != nil {
		ev.TargetID = &u.ID
	}
	if _, err := s.store.RecordAudit(ctx, ev); err != nil {
		s.log.WarnContext(ctx, "recording a failed login failed", "error", err)
	}
}
