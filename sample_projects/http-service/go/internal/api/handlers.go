package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"example.com/http-service/internal/model"
	"example.com/http-service/internal/stats"
	"example.com/http-service/internal/store"
)

// MaxBodyBytes is the largest accepted request body.
const MaxBodyBytes = 64 * 1024

const (
	defaultLimit  = 10
	maxLimit      = 100
	defaultStatsN = 100
)

func (a *API) health(w http.ResponseWriter, r *http.Request) *apiError {
	writeJSON(w, http.StatusOK, model.Health{Status: "ok"})
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, rawID string) *apiError {
	id, ok := parseUint(rawID)
	if !ok {
		return badRequest("invalid user id")
	}
	user, found := a.store.Get(id)
	if !found {
		return notFound("user not found")
	}
	writeJSON(w, http.StatusOK, user)
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	limit, err := uintParam(q, "limit", defaultLimit, 1, maxLimit,
		"limit must be an integer between 1 and 100")
	if err != nil {
		return err
	}
	offset, err := uintParam(q, "offset", 0, 0, 999999999999999999,
		"offset must be a non-negative integer")
	if err != nil {
		return err
	}
	users, total := a.store.List(offset, limit)
	writeJSON(w, http.StatusOK, model.UserList{Users: users, Total: total, Limit: limit, Offset: offset})
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &apiError{status: http.StatusRequestEntityTooLarge, message: "request body too large"}
		}
		return badRequest("could not read request body")
	}
	// Only a JSON object is accepted (encoding/json would take null for a
	// struct), and only valid UTF-8 (encoding/json would replace bad bytes).
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !utf8.Valid(body) {
		return badRequest("invalid JSON body")
	}
	var req model.CreateUserRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("invalid JSON body")
	}
	newUser, err := model.Validate(req)
	if err != nil {
		return unprocessable(err.Error())
	}
	user, err := a.store.Create(newUser)
	if errors.Is(err, store.ErrEmailTaken) {
		return &apiError{status: http.StatusConflict, message: "email already exists"}
	}
	if err != nil {
		return &apiError{status: http.StatusInternalServerError, message: "internal error"}
	}
	writeJSON(w, http.StatusCreated, user)
	return nil
}

func (a *API) stats(w http.ResponseWriter, r *http.Request) *apiError {
	n, err := uintParam(r.URL.Query(), "n", defaultStatsN, 1, stats.MaxN,
		fmt.Sprintf("n must be an integer between 1 and %d", stats.MaxN))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, stats.Compute(n))
	return nil
}
