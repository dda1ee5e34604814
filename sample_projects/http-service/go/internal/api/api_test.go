package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/http-service/internal/store"
)

func TestRoutes(t *testing.T) {
	a := New(store.Seeded(3))
	cases := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/health", "", 200, `{"status":"ok"}`},
		{"GET", "/users/2", "", 200, `{"id":2,"name":"Barbara Lovelace","email":"barbara.lovelace2@example.com","active":true,"roles":["reader"]}`},
		{"GET", "/users/9", "", 404, `{"error":"user not found"}`},
		{"POST", "/users", `{"name":"Ann"}`, 422, `{"error":"email must look like user@host"}`},
		{"DELETE", "/health", "", 405, `{"error":"method not allowed"}`},
		{"GET", "/nope", "", 404, `{"error":"not found"}`},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code != c.status || rec.Body.String() != c.want {
			t.Errorf("%s %s: got %d %s", c.method, c.path, rec.Code, rec.Body.String())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: content type %q", c.method, c.path, ct)
		}
	}
}
