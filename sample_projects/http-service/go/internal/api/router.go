// Package api maps HTTP requests to handlers.
package api

import (
	"net/http"
	"strings"

	"example.com/http-service/internal/store"
)

// API is the root http.Handler of the service.
type API struct {
	store *store.Store
}

// New returns the handler serving every route of the service.
func New(s *store.Store) *API {
	return &API{store: s}
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) *apiError

// ServeHTTP routes by path, then by method.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	var routes map[string]handlerFunc
	switch {
	case path == "/health":
		routes = map[string]handlerFunc{http.MethodGet: a.health}
	case path == "/users":
		routes = map[string]handlerFunc{http.MethodGet: a.listUsers, http.MethodPost: a.createUser}
	case strings.HasPrefix(path, "/users/") && isSegment(strings.TrimPrefix(path, "/users/")):
		id := strings.TrimPrefix(path, "/users/")
		routes = map[string]handlerFunc{http.MethodGet: func(w http.ResponseWriter, r *http.Request) *apiError {
			return a.getUser(w, r, id)
		}}
	case path == "/stats":
		routes = map[string]handlerFunc{http.MethodGet: a.stats}
	default:
		writeError(w, notFound("not found"))
		return
	}
	handler, ok := routes[r.Method]
	if !ok {
		writeError(w, &apiError{status: http.StatusMethodNotAllowed, message: "method not allowed"})
		return
	}
	if err := handler(w, r); err != nil {
		writeError(w, err)
	}
}

// isSegment reports whether s is one non-empty path segment.
func isSegment(s string) bool {
	return s != "" && !strings.Contains(s, "/")
}
