package service

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// AdminUser is an account as admins see it: the effective role, and why.
type AdminUser struct {
	velro.User
	GrantedRole velro.AccountRole `json:"granted_role" enum:"user,admin" doc:"The role an admin or the CLI set; role is the effective one"`
	AdminListed bool              `json:"admin_listed" doc:"The address is in VELRO_ADMIN_EMAILS: an admin once verified, whatever granted_role says"`
}

func (s *Accounts) adminView(u *velro.User) *AdminUser {
	return &AdminUser{User: *s.cfg.Admins.Effective(u), GrantedRole: u.Role, AdminListed: s.cfg.Admins[u.Email]}
}

// ListUsers returns a page of the accounts whose email or name contains
// query, oldest first. It is the operator's (the CLI's): admins go through
// AdminListUsers.
func (s *Accounts) ListUsers(ctx context.Context, query string, page velro.Page) ([]*AdminUser, int, error) {
	list, total, err := s.store.ListUsers(ctx, query, page)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*AdminUser, len(list))
	for i, u := range list {
		out[i] = s.adminView(u)
	}
	return out, total, nil
}

// AdminListUsers is ListUsers for an admin.
func (s *Accounts) AdminListUsers(ctx context.Context, actor uuid.UUID, query string, page velro.Page) ([]*AdminUser, int, error) {
	if _, err := s.RequireAdmin(ctx, actor, "list accounts"); err != nil {
		return nil, 0, err
	}
	return s.ListUsers(ctx, query, page)
}

// Control sets an account's granted role or disabled state; disabling ends
// its sessions, on every instance, at once. It is the operator's (the
// CLI's), who names the account by email: admins go through AdminControl.
func (s *Accounts) Control(ctx context.Context, email string, c velro.AccountControl) (*AdminUser, error) {
	u, err := s.store.FindUserByEmail(ctx, email)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return nil, velro.Errorf(velro.ENOTFOUND, "No account has the address %s.", email)
	} else if err != nil {
		return nil, err
	}
	return s.control(ctx, u.ID, c)
}

func (s *Accounts) control(ctx context.Context, id uuid.UUID, c velro.AccountControl) (*AdminUser, error) {
	if c.Role != nil && *c.Role != velro.UserRole && *c.Role != velro.AdminRole {
		return nil, velro.Invalid("role", "must be user or admin")
	}
	u, _, err := s.store.ControlAccount(ctx, id, c)
	if err != nil {
		return nil, err
	}
	return s.adminView(u), nil
}

// AdminControl is Control for an admin, who names the account by id. An
// admin neither disables nor demotes themselves (the operator can).
func (s *Accounts) AdminControl(ctx context.Context, actor, id uuid.UUID, c velro.AccountControl) (*AdminUser, error) {
	if _, err := s.RequireAdmin(ctx, actor, "manage accounts"); err != nil {
		return nil, err
	}
	if id == actor && ((c.Disabled != nil && *c.Disabled) || (c.Role != nil && *c.Role != velro.AdminRole)) {
		return nil, velro.Errorf(velro.ECONFLICT, "Admins cannot disable or demote themselves; another admin or the CLI can.")
	}
	return s.control(ctx, id, c)
}
