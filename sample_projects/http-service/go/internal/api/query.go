package api

import (
	"net/url"
	"strconv"
)

// parseUint accepts a decimal of 1 to 18 ASCII digits: no sign, no spaces,
// cannot overflow.
func parseUint(s string) (uint64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// uintParam reads an optional query parameter in [lo, hi]; an empty value
// counts as absent.
func uintParam(q url.Values, key string, def, lo, hi uint64, message string) (uint64, *apiError) {
	raw := q.Get(key)
	if raw == "" {
		return def, nil
	}
	v, ok := parseUint(raw)
	if !ok || v < lo || v > hi {
		return 0, badRequest(message)
	}
	return v, nil
}
