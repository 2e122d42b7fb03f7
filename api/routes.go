package api

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/velro-ai/velro/web"
)

// addRoutes maps the whole API.
func addRoutes(mux *http.ServeMux, api huma.API, cfg Config) {
	api.UseMiddleware(browserSessions(api, cfg.PublicURL), authenticate(api, cfg.Auth))

	// Health, docs, keys (public).
	huma.Register(api, op("GET", "/health", "Liveness", "health"), handleHealth())
	huma.Register(api, op("GET", "/api/v1/health", "Liveness", "health"), handleHealth())
	huma.Register(api, failing(op("GET", "/health/ready", "Readiness: the database answers", "health"), http.StatusServiceUnavailable), handleReady(cfg.Dependencies))
	huma.Register(api, op("GET", "/.well-known/jwks.json", "Public keys that verify access tokens", "auth"), handleJWKS(cfg.Auth))
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", MetricsHandler(cfg.Metrics, cfg.MetricsToken))
	}
	mux.Handle("GET /docs", web.Docs())
	mux.Handle("GET "+web.AssetsPrefix, web.Assets())

	// Auth.
	huma.Register(api, failing(created(op("POST", "/api/v1/auth/register", "Create an account", "auth")), http.StatusConflict, http.StatusTooManyRequests, http.StatusServiceUnavailable), handleRegister(cfg.Auth))
	huma.Register(api, failing(op("POST", "/api/v1/auth/login", "Log in with email and password", "auth"), http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable), handleLogin(cfg.Auth))
	huma.Register(api, failing(op("POST", "/api/v1/auth/refresh", "Rotate a refresh token", "auth"), http.StatusUnauthorized, http.StatusServiceUnavailable), handleRefresh(cfg.Auth))
	huma.Register(api, secured(op("POST", "/api/v1/auth/logout", "End this session", "auth")), handleLogout(cfg.Auth))
	huma.Register(api, secured(op("GET", "/api/v1/auth/me", "The caller's account", "auth")), handleMe(cfg.Accounts))

	// Identity: TOTP.
	huma.Register(api, failing(created(secured(op("POST", "/api/v1/auth/mfa/totp", "Begin setting up an authenticator app (a recent sign-in or the password)", "identity"))), http.StatusConflict, http.StatusTooManyRequests),
		handleBeginTOTP(cfg.Auth))
	huma.Register(api, failing(secured(op("POST", "/api/v1/auth/mfa/totp/confirm", "Turn the authenticator on with its code; returns 10 recovery codes, shown once", "identity")), http.StatusConflict, http.StatusTooManyRequests),
		handleConfirmTOTP(cfg.Auth))
	huma.Register(api, failing(secured(op("DELETE", "/api/v1/auth/mfa/totp", "Turn the authenticator off (password and a current code)", "identity")), http.StatusTooManyRequests),
		handleDisableTOTP(cfg.Auth))
	huma.Register(api, failing(op("POST", "/api/v1/auth/mfa/verify", "Finish a sign-in that answered mfa_required, with a code or a recovery code", "identity"), http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusServiceUnavailable),
		handleVerifyMFA(cfg.Auth))

	// Identity: sessions.
	huma.Register(api, secured(op("GET", "/api/v1/auth/sessions", "The caller's live sessions, most recently used first", "identity")), handleListSessions(cfg.Auth))
	huma.Register(api, secured(op("DELETE", "/api/v1/auth/sessions/{id}", "End one of the caller's sessions, on every instance at once", "identity")), handleEndSession(cfg.Auth))
	huma.Register(api, secured(op("POST", "/api/v1/auth/sessions/revoke-others", "End every session of the caller's but this one, on every instance at once", "identity")),
		handleEndOtherSessions(cfg.Auth))

	// Accounts: passwords, verification, deletion, export.
	huma.Register(api, failing(secured(op("POST", "/api/v1/auth/password", "Change the password; the caller's other sessions end", "accounts")), http.StatusTooManyRequests),
		handleChangePassword(cfg.Auth))
	huma.Register(api, failing(accepting(op("POST", "/api/v1/auth/password/forgot", "Mail a password-reset link, if an account has the address (the same answer either way)", "accounts")),
		http.StatusTooManyRequests, http.StatusServiceUnavailable), handleForgotPassword(cfg.Auth))
	huma.Register(api, failing(op("POST", "/api/v1/auth/password/reset", "Set a new password with a reset link's token; every session ends", "accounts"),
		http.StatusBadRequest, http.StatusGone, http.StatusTooManyRequests, http.StatusServiceUnavailable), handleResetPassword(cfg.Auth))
	huma.Register(api, failing(accepting(secured(op("POST", "/api/v1/auth/verify/send", "Mail a link that verifies the caller's address", "accounts"))), http.StatusConflict),
		handleSendVerification(cfg.Accounts))
	huma.Register(api, failing(op("POST", "/api/v1/auth/verify", "Verify an address with a verification link's token", "accounts"),
		http.StatusBadRequest, http.StatusGone, http.StatusServiceUnavailable), handleVerifyEmail(cfg.Accounts))
	huma.Register(api, failing(secured(op("DELETE", "/api/v1/user", "Delete the caller's account with all its data and media (password required)", "accounts")), http.StatusTooManyRequests),
		handleDeleteAccount(cfg.Accounts))
	huma.Register(api, secured(op("GET", "/api/v1/user/export", "Everything Velro holds about the caller", "accounts")), handleExport(cfg.Accounts))

	// User and credits.
	huma.Register(api, secured(op("GET", "/api/v1/user/profile", "The caller's profile", "user")), handleMe(cfg.Accounts))
	huma.Register(api, secured(op("PUT", "/api/v1/user/profile", "Update the caller's profile", "user")), handleUpdateProfile(cfg.Accounts))
	huma.Register(api, secured(op("GET", "/api/v1/user/credits", "The caller's credit balance", "credits")), handleUserCredits(cfg.Accounts))
	huma.Register(api, secured(op("GET", "/api/v1/credits/balance", "The caller's credit balance", "credits")), handleBalance(cfg.Accounts))
	huma.Register(api, secured(op("GET", "/api/v1/credits/transactions", "The caller's credit ledger, newest first", "credits")), handleTransactions(cfg.Accounts))

	// Projects.
	huma.Register(api, created(secured(op("POST", "/api/v1/projects", "Create a project", "projects"))), handleCreateProject(cfg.Projects))
	huma.Register(api, secured(op("GET", "/api/v1/projects", "Projects the caller can read, newest first", "projects")), handleListProjects(cfg.Projects))
	huma.Register(api, secured(op("GET", "/api/v1/projects/{id}", "A project (view)", "projects")), handleGetProject(cfg.Projects))
	huma.Register(api, secured(op("PUT", "/api/v1/projects/{id}", "Update a project (edit; visibility needs share)", "projects")), handleUpdateProject(cfg.Projects))
	huma.Register(api, secured(op("DELETE", "/api/v1/projects/{id}", "Delete a project (owner)", "projects")), handleDeleteProject(cfg.Projects))
	huma.Register(api, created(secured(op("POST", "/api/v1/projects/{id}/teams", "Share a project with a team (share)", "projects"))), handleShareProject(cfg.Projects))
	huma.Register(api, secured(op("GET", "/api/v1/projects/{id}/teams", "The teams a project is shared with, oldest share first (view)", "projects")), handleListShares(cfg.Projects))
	huma.Register(api, secured(op("GET", "/api/v1/projects/{id}/stats", "Counts of a project's generations (view)", "projects")), handleProjectStats(cfg.Projects))
	huma.Register(api, secured(op("DELETE", "/api/v1/projects/{id}/teams/{team_id}", "Stop sharing a project with a team (share)", "projects")), handleUnshareProject(cfg.Projects))

	// Teams.
	huma.Register(api, created(secured(op("POST", "/api/v1/teams", "Create a team", "teams"))), handleCreateTeam(cfg.Teams))
	huma.Register(api, secured(op("GET", "/api/v1/teams", "The caller's teams", "teams")), handleListTeams(cfg.Teams))
	huma.Register(api, secured(op("GET", "/api/v1/teams/{id}", "A team (members only)", "teams")), handleGetTeam(cfg.Teams))
	huma.Register(api, secured(op("PUT", "/api/v1/teams/{id}", "Update a team (owner, admin)", "teams")), handleUpdateTeam(cfg.Teams))
	huma.Register(api, secured(op("DELETE", "/api/v1/teams/{id}", "Delete a team (owner)", "teams")), handleDeleteTeam(cfg.Teams))
	huma.Register(api, secured(op("GET", "/api/v1/teams/{id}/members", "A team's members, owner first (members only)", "teams")), handleTeamMembers(cfg.Teams))
	huma.Register(api, failing(secured(op("POST", "/api/v1/teams/{id}/leave", "Leave a team (the owner cannot: 409)", "teams")), http.StatusConflict), handleLeaveTeam(cfg.Teams))
	huma.Register(api, failing(created(secured(op("POST", "/api/v1/teams/{id}/members", "Add a member by email", "teams"))), http.StatusConflict), handleAddMember(cfg.Teams))
	huma.Register(api, secured(op("PATCH", "/api/v1/teams/{id}/members/{user_id}", "Change a member's role", "teams")), handleSetMemberRole(cfg.Teams))
	huma.Register(api, failing(secured(op("DELETE", "/api/v1/teams/{id}/members/{user_id}", "Remove a member, or leave (the owner cannot leave)", "teams")), http.StatusConflict), handleRemoveMember(cfg.Teams))

	// Uploads.
	huma.Register(api, failing(created(secured(op("POST", "/api/v1/uploads", "Upload a file (multipart: file, project_id?), streamed to storage", "uploads"))),
		http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusBadRequest, http.StatusUnprocessableEntity), handleCreateUpload(cfg.Uploads))
	documentUploadBody(api)
	huma.Register(api, secured(op("GET", "/api/v1/uploads", "The caller's uploads, or a readable project's, newest first", "uploads")), handleListUploads(cfg.Uploads))
	huma.Register(api, secured(op("GET", "/api/v1/uploads/{id}", "An upload (its owner, its project's readers)", "uploads")), handleGetUpload(cfg.Uploads))
	huma.Register(api, secured(op("DELETE", "/api/v1/uploads/{id}", "Delete an upload and its bytes (its owner)", "uploads")), handleDeleteUpload(cfg.Uploads))
	huma.Register(api, secured(op("GET", "/api/v1/uploads/{id}/url", "A signed, expiring URL of an upload", "uploads")), handleUploadURL(cfg.Uploads, cfg.Signer, cfg.PublicURL))
	huma.Register(api, secured(op("GET", "/api/v1/user/storage", "What the caller keeps in storage, and the upload quota", "uploads")), handleStorage(cfg.Uploads))

	// Invitations.
	huma.Register(api, failing(created(secured(op("POST", "/api/v1/teams/{id}/invitations", "Invite an address (who may add the role may invite it); the link goes by mail", "teams"))), http.StatusConflict),
		handleInvite(cfg.Teams))
	huma.Register(api, secured(op("GET", "/api/v1/teams/{id}/invitations", "The team's pending invitations (owner, admins)", "teams")), handleListInvitations(cfg.Teams))
	huma.Register(api, failing(secured(op("DELETE", "/api/v1/teams/{id}/invitations/{invitation_id}", "Revoke a pending invitation", "teams")), http.StatusConflict),
		handleRevokeInvitation(cfg.Teams))
	huma.Register(api, failing(op("GET", "/api/v1/invitations/{token}", "The invitation of a mailed link (public)", "teams"), http.StatusNotFound, http.StatusServiceUnavailable),
		handleShowInvitation(cfg.Teams))
	huma.Register(api, failing(secured(op("POST", "/api/v1/invitations/{token}/accept", "Accept an invitation (the invited address only): join the team", "teams")),
		http.StatusConflict, http.StatusGone), handleAcceptInvitation(cfg.Teams))
	huma.Register(api, failing(secured(op("POST", "/api/v1/invitations/{token}/decline", "Decline an invitation (the invited address only)", "teams")),
		http.StatusConflict, http.StatusGone), handleDeclineInvitation(cfg.Teams))

	// Models and credits.
	huma.Register(api, op("GET", "/api/v1/models", "The model catalog", "models"), handleModels(cfg.Generations))
	huma.Register(api, failing(op("GET", "/api/v1/models/{model_id}", "One model of the catalog", "models"), http.StatusNotFound), handleModel(cfg.Generations))
	huma.Register(api, secured(op("POST", "/api/v1/generations/quote", "What a submit would charge, and the normalised parameters it would send; charges nothing", "models")), handleQuote(cfg.Generations))
	huma.Register(api, op("GET", "/api/v1/generations/models/supported", "The model catalog, as generation options", "models"), handleSupportedModels(cfg.Generations))
	huma.Register(api, op("GET", "/api/v1/credits/packs", "The credit packs that can be bought (public)", "credits"), handleCreditPacks(cfg.Payments))
	huma.Register(api, failing(created(secured(op("POST", "/api/v1/credits/checkout", "Start buying a pack: a Stripe Checkout Session to send the buyer to", "credits")))),
		handleCheckout(cfg.Payments))
	huma.Register(api, stripeEvents(failing(op("POST", "/api/v1/billing/stripe/webhook", "Stripe's events (signed): paid checkouts credit their pack once, refunds take their share back", "credits"),
		http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable)), handleStripeEvent(cfg.Payments))
	huma.Register(api, failing(secured(op("GET", "/api/v1/admin/payments", "Checkouts and their state, newest first (admins)", "admin")), http.StatusForbidden), handleListPayments(cfg.Payments))
	huma.Register(api, secured(op("GET", "/api/v1/credits/stats", "The caller's credit summary over a period", "credits")), handleCreditStats(cfg.Accounts))
	huma.Register(api, failing(created(secured(op("POST", "/api/v1/admin/credits/grant", "Grant credits to an account (admins)", "credits"))), http.StatusForbidden, http.StatusNotFound), handleGrant(cfg.Accounts))
	huma.Register(api, failing(secured(op("GET", "/api/v1/admin/audit", "The audit log, newest first (admins)", "admin")), http.StatusForbidden), handleAudit(cfg.Audit))

	// Administration of accounts (admins).
	huma.Register(api, secured(op("GET", "/api/v1/admin/users", "Accounts whose email or name contains the query (admins)", "admin")), handleListUsers(cfg.Accounts))
	huma.Register(api, failing(secured(op("PATCH", "/api/v1/admin/users/{id}", "Grant or take a role, disable or enable an account (admins)", "admin")), http.StatusConflict),
		handleControlUser(cfg.Accounts))

	huma.Register(api, failing(secured(op("GET", "/api/v1/admin/generations", "Every user's generations in flight and failed, newest first (admins)", "admin")), http.StatusForbidden),
		handleAdminGenerations(cfg.Accounts, cfg.Generations))

	// Generations.
	huma.Register(api, failing(created(secured(op("POST", "/api/v1/generations", "Submit a generation (JSON, or a form with the same fields)", "generations"))),
		http.StatusPaymentRequired, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusBadRequest, http.StatusTooManyRequests), handleSubmit(cfg.Generations))
	huma.Register(api, secured(op("GET", "/api/v1/generations", "The caller's generations, or a readable project's", "generations")), handleListGenerations(cfg.Generations))
	huma.Register(api, secured(op("GET", "/api/v1/generations/stats", "The caller's generation counts", "generations")), handleGenerationStats(cfg.Generations))
	huma.Register(api, secured(op("GET", "/api/v1/generations/{id}", "A generation (view)", "generations")), generationAction(cfg.Generations.Get))
	huma.Register(api, secured(op("DELETE", "/api/v1/generations/{id}", "Delete a generation and its media (delete)", "generations")), handleDeleteGeneration(cfg.Generations))
	huma.Register(api, secured(op("POST", "/api/v1/generations/{id}/favorite", "Toggle favorite (edit)", "generations")), generationAction(cfg.Generations.Favorite))
	huma.Register(api, failing(secured(op("POST", "/api/v1/generations/{id}/cancel", "Cancel and refund a generation in flight (edit)", "generations")), http.StatusConflict), generationAction(cfg.Generations.Cancel))
	huma.Register(api, secured(op("GET", "/api/v1/generations/{id}/stream", "Server-sent events: one unnamed event per status change, ending after a terminal status; a \"deleted\" event ends it if the generation is deleted, a \"revoked\" event if the caller loses access (view)", "generations")), handleStream(cfg.Generations, cfg.Notifier, cfg.Closing, cfg.Perf))
	huma.Register(api, secured(op("GET", "/api/v1/generations/{id}/media-urls", "Signed, expiring URLs of the outputs (download)", "generations")), handleMediaURLs(cfg.Generations, cfg.Signer, cfg.PublicURL))
	mux.Handle("GET /api/v1/generations/{id}/authorize", serveAuthorize(cfg.Auth, cfg.Authz))
	documentAuthorize(api)

	// Monitoring (admins).
	huma.Register(api, failing(secured(op("GET", "/api/v1/monitoring/performance", "Latencies of the tracked operations and cache hit rates against their latency targets (admins)", "monitoring")), http.StatusForbidden), handlePerformance(cfg.Accounts, cfg.Perf))
	mux.Handle("GET /dashboard", web.Dashboard())

	// The studio, Velro's web app.
	if cfg.Studio {
		studio := web.Studio()
		for _, page := range web.StudioPages {
			mux.Handle("GET "+page, studio)
		}
	}

	// Media, served to holders of a signed URL.
	mux.Handle("GET /media/{key...}", serveMedia(cfg.Media, cfg.Signer))
}

// op declares an operation; its id is derived from method and path, as in
// "post-api-v1-auth-login" or "get-api-v1-projects-by-id".
func op(method, path, summary, tag string) huma.Operation {
	id := strings.NewReplacer("/{", "-by-", "}", "", "/", "-", ".", "").Replace(path)
	return huma.Operation{
		OperationID: strings.ToLower(method) + id,
		Method:      method,
		Path:        path,
		Summary:     summary,
		Tags:        []string{tag},
	}
}

// secured marks an operation as needing a bearer token. One on a resource
// ({id} in the path) answers 404 to who may not see it and 403 to who may
// see but not do it. Any may find the database unavailable.
func secured(o huma.Operation) huma.Operation {
	o.Security = []map[string][]string{{"bearer": {}}}
	o.Errors = append(o.Errors, http.StatusUnauthorized, http.StatusServiceUnavailable)
	if strings.Contains(o.Path, "{") {
		o.Errors = append(o.Errors, http.StatusForbidden, http.StatusNotFound)
	}
	return o
}

// failing adds error statuses an operation answers beyond the usual ones.
func failing(o huma.Operation, statuses ...int) huma.Operation {
	o.Errors = append(o.Errors, statuses...)
	return o
}

// accepting makes 202 the success status: the work (a mail) happens later.
func accepting(o huma.Operation) huma.Operation {
	o.DefaultStatus = http.StatusAccepted
	return o
}

// created makes 201 the success status.
func created(o huma.Operation) huma.Operation {
	o.DefaultStatus = http.StatusCreated
	return o
}
