package model

import "testing"

func TestSeedUsersAreStable(t *testing.T) {
	u := SeedUser(1)
	if u.Name != "Alan Lovelace" || u.Email != "alan.lovelace1@example.com" {
		t.Fatalf("unexpected seed user: %+v", u)
	}
	if r := SeedUser(50).Roles; len(r) != 2 || r[0] != "admin" {
		t.Fatalf("unexpected roles: %v", r)
	}
}

func TestValidateRejectsBlankNames(t *testing.T) {
	_, err := Validate(CreateUserRequest{Name: "  "})
	if err == nil || err.Error() != "name is required" {
		t.Fatalf("got %v", err)
	}
}
