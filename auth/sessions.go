package auth

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// SessionView is one of the caller's sessions as the caller sees it.
type SessionView struct {
	ID          uuid.UUID          `json:"id"`
	Current     bool               `json:"current" doc:"The session of this request"`
	Method      velro.SignInMethod `json:"method" doc:"How the session signed in"`
	MFA         bool               `json:"mfa" doc:"The sign-in passed a second factor"`
	CreatedAt   time.Time          `json:"created_at"`
	RefreshedAt time.Time          `json:"refreshed_at"`
	IP          string             `json:"ip" doc:"The client's address at sign-in"`
	UserAgent   string             `json:"user_agent" doc:"The client's user agent at sign-in"`
}

// Sessions returns a page of the caller's live sessions, the most
// recently used first, and their number.
func (s *Service) Sessions(ctx context.Context, p Principal, page velro.Page) ([]SessionView, int, error) {
	list, total, err := s.store.ListSessions(ctx, p.UserID, s.now(), s.lifetime, page)
	if err != nil {
		return nil, 0, err
	}
	views := make([]SessionView, len(list))
	for i, sess := range list {
		views[i] = SessionView{ID: sess.ID, Current: sess.ID == p.SessionID, Method: sess.Method, MFA: sess.MFA,
			CreatedAt: sess.CreatedAt, RefreshedAt: sess.RefreshedAt, IP: sess.IP, UserAgent: sess.UserAgent}
	}
	return views, total, nil
}

// EndSession ends one of the caller's sessions (the caller's own too, as a
// logout would): its refresh token and access tokens are refused from the
// next request on, on every instance. Another account's session is
// ENOTFOUND.
func (s *Service) EndSession(ctx context.Context, p Principal, id uuid.UUID) error {
	_, err := s.store.EndSession(ctx, p.UserID, id, s.now())
	return err
}

// EndOtherSessions ends every session of the caller's but the caller's
// own, on every instance, and says how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, p Principal) (int, error) {
	n, _, err := s.store.EndOtherSessions(ctx, p.UserID, p.SessionID)
	return n, err
}
