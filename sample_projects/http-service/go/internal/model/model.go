// Package model holds the request and response types and the rules every
// user record obeys. Every other package of the service depends on it.
package model

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SeedUsers is how many users (ids 1..SeedUsers) exist when the server starts.
const SeedUsers = 1000

// MaxNameChars is the longest accepted name, in Unicode code points.
const MaxNameChars = 64

// KnownRoles are the roles a user may hold.
var KnownRoles = [...]string{"reader", "writer", "admin"}

var firstNames = [12]string{
	"Ada", "Alan", "Barbara", "Dennis", "Edsger", "Grace", "Ken", "Linus", "Margaret", "Niklaus",
	"Rob", "Radia",
}

var lastNames = [12]string{
	"Lovelace", "Turing", "Liskov", "Ritchie", "Dijkstra", "Hopper", "Thompson", "Torvalds",
	"Hamilton", "Wirth", "Pike", "Perlman",
}

// User is one user record as the API shows it.
type User struct {
	ID     uint64   `json:"id"`
	Name   string   `json:"name"`
	Email  string   `json:"email"`
	Active bool     `json:"active"`
	Roles  []string `json:"roles"`
}

// CreateUserRequest is the body of POST /users. Missing and null fields read as empty.
type CreateUserRequest struct {
	Name  string   `json:"name"`
	Email string   `json:"email"`
	Roles []string `json:"roles"`
}

// NewUser is a validated CreateUserRequest, ready for the store.
type NewUser struct {
	Name  string
	Email string
	Roles []string
}

// Health is the body of GET /health.
type Health struct {
	Status string `json:"status"`
}

// UserList is the body of GET /users.
type UserList struct {
	Users  []User `json:"users"`
	Total  uint64 `json:"total"`
	Limit  uint64 `json:"limit"`
	Offset uint64 `json:"offset"`
}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

// SeedUser returns the deterministic seed user with this id.
func SeedUser(id uint64) User {
	first := firstNames[id%12]
	last := lastNames[(id/12)%12]
	var roles []string
	switch {
	case id%50 == 0:
		roles = []string{"admin", "reader"}
	case id%5 == 0:
		roles = []string{"writer", "reader"}
	default:
		roles = []string{"reader"}
	}
	return User{
		ID:     id,
		Name:   first + " " + last,
		Email:  fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), id),
		Active: id%7 != 0,
		Roles:  roles,
	}
}

// Validate checks a create request; the error text is shown to the client.
func Validate(req CreateUserRequest) (NewUser, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return NewUser{}, errors.New("name is required")
	}
	if utf8.RuneCountInString(name) > MaxNameChars {
		return NewUser{}, fmt.Errorf("name must be at most %d characters", MaxNameChars)
	}
	email := asciiLower(strings.TrimSpace(req.Email))
	if !validEmail(email) {
		return NewUser{}, errors.New("email must look like user@host")
	}
	roles := req.Roles
	if len(roles) == 0 {
		roles = []string{"reader"}
	}
	for _, role := range roles {
		if !knownRole(role) {
			return NewUser{}, errors.New("roles must be reader, writer or admin")
		}
	}
	return NewUser{Name: name, Email: email, Roles: roles}, nil
}

func knownRole(role string) bool {
	for _, known := range KnownRoles {
		if role == known {
			return true
		}
	}
	return false
}

func validEmail(email string) bool {
	local, host, found := strings.Cut(email, "@")
	return found && local != "" && host != "" && !strings.Contains(host, "@")
}

// asciiLower lowercases A-Z only, leaving every other character alone.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}
