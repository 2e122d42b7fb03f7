package service

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// userFinder reads accounts.
type userFinder interface {
	FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error)
}

// requireAdmin is the rule of every admin-only use case (granting credits,
// reading the audit log): the actor's account has role admin.
func requireAdmin(ctx context.Context, users userFinder, actor uuid.UUID) (*velro.User, error) {
	u, err := users.FindUserByID(ctx, actor)
	if err != nil {
		return nil, err
	}
	if u.Role != velro.AdminRole {
		return nil, velro.Errorf(velro.EFORBIDDEN, "Only admins may do this.")
	}
	return u, nil
}
