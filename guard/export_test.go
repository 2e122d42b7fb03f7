package guard

import "github.com/google/uuid"

// CachedUser reports whether the row cache holds the account (for the
// tests of what writes drop).
func (s *Store) CachedUser(id uuid.UUID) bool {
	_, ok := s.users.Get(id)
	return ok
}

// CachedGeneration reports whether the row cache holds the generation.
func (s *Store) CachedGeneration(id uuid.UUID) bool {
	_, ok := s.generations.Get(id)
	return ok
}
