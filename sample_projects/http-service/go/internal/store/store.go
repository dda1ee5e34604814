// Package store keeps users in memory. Ids are dense: user id lives at index id-1.
package store

import (
	"errors"
	"sync"

	"example.com/http-service/internal/model"
)

// ErrEmailTaken means another user already has this email.
var ErrEmailTaken = errors.New("email already exists")

// Store is safe for concurrent use.
type Store struct {
	mu    sync.RWMutex
	users []model.User
}

// Seeded returns a store holding the seed users 1..count.
func Seeded(count uint64) *Store {
	users := make([]model.User, 0, count)
	for id := uint64(1); id <= count; id++ {
		users = append(users, model.SeedUser(id))
	}
	return &Store{users: users}
}

// Get returns the user with this id.
func (s *Store) Get(id uint64) (model.User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if id == 0 || id > uint64(len(s.users)) {
		return model.User{}, false
	}
	return s.users[id-1], true
}

// List returns one page of users in id order, and the total count.
func (s *Store) List(offset, limit uint64) ([]model.User, uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	total := uint64(len(s.users))
	page := []model.User{}
	for i := offset; i < total && uint64(len(page)) < limit; i++ {
		page = append(page, s.users[i])
	}
	return page, total
}

// Create adds a user and returns it with its new id.
func (s *Store) Create(n model.NewUser) (model.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Email == n.Email {
			return model.User{}, ErrEmailTaken
		}
	}
	user := model.User{
		ID:     uint64(len(s.users)) + 1,
		Name:   n.Name,
		Email:  n.Email,
		Active: true,
		Roles:  n.Roles,
	}
	s.users = append(s.users, user)
	return user, nil
}
