package guard

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The reads: two from the row caches, the rest straight from the database.

// cached reads k through c unless the bus is down (then changes made on
// other instances could be missed).
func cached[V any](s *Store, c interface {
	Get(uuid.UUID) (V, bool)
	Fill(uuid.UUID, func() (V, error)) (V, error)
}, k uuid.UUID, load func() (*V, error)) (*V, error) {
	if !s.bus.Connected() {
		return load()
	}
	v, ok := c.Get(k)
	if !ok {
		var err error
		v, err = c.Fill(k, func() (V, error) {
			p, err := load()
			if err != nil {
				var zero V
				return zero, err
			}
			return *p, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &v, nil
}

// FindUserByID implements velro.UserStore from the cache.
func (s *Store) FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error) {
	return cached(s, s.users, id, func() (*velro.User, error) { return s.raw.FindUserByID(ctx, id) })
}

// FindGeneration implements velro.GenerationStore from the cache. The
// parameters and outputs of the returned generation are shared: read them,
// do not modify them.
func (s *Store) FindGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error) {
	return cached(s, s.generations, id, func() (*velro.Generation, error) { return s.raw.FindGeneration(ctx, id) })
}

// FindUserByEmail implements velro.UserStore.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*velro.User, error) {
	return s.raw.FindUserByEmail(ctx, email)
}

// FindSession implements velro.SessionStore.
func (s *Store) FindSession(ctx context.Context, id uuid.UUID) (*velro.Session, error) {
	return s.raw.FindSession(ctx, id)
}

// SigningKeys implements velro.SigningKeyStore.
func (s *Store) SigningKeys(ctx context.Context, retiredAfter time.Time) ([]velro.SigningKey, error) {
	return s.raw.SigningKeys(ctx, retiredAfter)
}

// ListCreditTransactions implements velro.CreditStore.
func (s *Store) ListCreditTransactions(ctx context.Context, userID uuid.UUID, page velro.Page) ([]*velro.CreditTransaction, int, error) {
	return s.raw.ListCreditTransactions(ctx, userID, page)
}

// LedgerSum implements velro.CreditStore.
func (s *Store) LedgerSum(ctx context.Context, userID uuid.UUID) (int64, error) {
	return s.raw.LedgerSum(ctx, userID)
}

// CreditStats implements velro.CreditStore.
func (s *Store) CreditStats(ctx context.Context, userID uuid.UUID, since time.Time) (velro.CreditStats, error) {
	return s.raw.CreditStats(ctx, userID, since)
}

// FindProject implements velro.ProjectStore.
func (s *Store) FindProject(ctx context.Context, id uuid.UUID) (*velro.Project, error) {
	return s.raw.FindProject(ctx, id)
}

// ListReadableProjects implements velro.ProjectStore.
func (s *Store) ListReadableProjects(ctx context.Context, userID uuid.UUID, f velro.ProjectFilter) ([]*velro.Project, int, error) {
	return s.raw.ListReadableProjects(ctx, userID, f)
}

// FindTeam implements velro.TeamStore.
func (s *Store) FindTeam(ctx context.Context, id uuid.UUID) (*velro.Team, error) {
	return s.raw.FindTeam(ctx, id)
}

// ListTeams implements velro.TeamStore.
func (s *Store) ListTeams(ctx context.Context, userID uuid.UUID, page velro.Page) ([]*velro.Team, int, error) {
	return s.raw.ListTeams(ctx, userID, page)
}

// ListGenerations implements velro.GenerationStore.
func (s *Store) ListGenerations(ctx context.Context, f velro.GenerationFilter) ([]*velro.Generation, int, error) {
	return s.raw.ListGenerations(ctx, f)
}

// GenerationStats implements velro.GenerationStore.
func (s *Store) GenerationStats(ctx context.Context, userID uuid.UUID) (velro.GenerationStats, error) {
	return s.raw.GenerationStats(ctx, userID)
}

// ProviderState implements velro.GenerationStore.
func (s *Store) ProviderState(ctx context.Context, id uuid.UUID) ([]byte, error) {
	return s.raw.ProviderState(ctx, id)
}

// StaleGenerations implements velro.GenerationStore.
func (s *Store) StaleGenerations(ctx context.Context, before time.Time, limit int) ([]uuid.UUID, error) {
	return s.raw.StaleGenerations(ctx, before, limit)
}

// AccessFacts implements velro.AccessStore.
func (s *Store) AccessFacts(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.AccessFacts, error) {
	return s.raw.AccessFacts(ctx, user, kind, id)
}

// BaseAccessFacts implements velro.AccessStore.
func (s *Store) BaseAccessFacts(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.AccessFacts, error) {
	return s.raw.BaseAccessFacts(ctx, user, kind, id)
}

// Ping implements velro.Store.
func (s *Store) Ping(ctx context.Context) error { return s.raw.Ping(ctx) }

// ListProjectShares implements velro.ProjectStore.
func (s *Store) ListProjectShares(ctx context.Context, projectID uuid.UUID) ([]*velro.ProjectShare, error) {
	return s.raw.ListProjectShares(ctx, projectID)
}

// ProjectStats implements velro.ProjectStore.
func (s *Store) ProjectStats(ctx context.Context, projectID uuid.UUID) (velro.ProjectStats, error) {
	return s.raw.ProjectStats(ctx, projectID)
}

// FindUpload implements velro.UploadStore.
func (s *Store) FindUpload(ctx context.Context, id uuid.UUID) (*velro.Upload, error) {
	return s.raw.FindUpload(ctx, id)
}

// ListUploads implements velro.UploadStore.
func (s *Store) ListUploads(ctx context.Context, f velro.UploadFilter) ([]*velro.Upload, int, error) {
	return s.raw.ListUploads(ctx, f)
}

// StorageUsage implements velro.UploadStore.
func (s *Store) StorageUsage(ctx context.Context, userID uuid.UUID) (velro.StorageUsage, error) {
	return s.raw.StorageUsage(ctx, userID)
}

// ListUsers implements velro.UserStore.
func (s *Store) ListUsers(ctx context.Context, query string, page velro.Page) ([]*velro.User, int, error) {
	return s.raw.ListUsers(ctx, query, page)
}

// ExportAccount implements velro.AccountStore.
func (s *Store) ExportAccount(ctx context.Context, userID uuid.UUID) (*velro.AccountExport, error) {
	return s.raw.ExportAccount(ctx, userID)
}

// FindInvitation implements velro.InvitationStore.
func (s *Store) FindInvitation(ctx context.Context, id uuid.UUID) (*velro.Invitation, error) {
	return s.raw.FindInvitation(ctx, id)
}

// FindInvitationByToken implements velro.InvitationStore.
func (s *Store) FindInvitationByToken(ctx context.Context, tokenHash string) (*velro.Invitation, error) {
	return s.raw.FindInvitationByToken(ctx, tokenHash)
}

// ListInvitations implements velro.InvitationStore.
func (s *Store) ListInvitations(ctx context.Context, teamID uuid.UUID) ([]*velro.Invitation, error) {
	return s.raw.ListInvitations(ctx, teamID)
}

// ListAudit implements velro.AuditStore.
func (s *Store) ListAudit(ctx context.Context, f velro.AuditFilter) ([]*velro.AuditEvent, int, error) {
	return s.raw.ListAudit(ctx, f)
}
