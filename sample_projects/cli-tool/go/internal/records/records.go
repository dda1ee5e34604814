// Package records reads, summarizes and filters JSON records. Every command of
// the tool depends on it.
package records

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// Record is one element of the input array. Missing and null fields read as empty.
type Record struct {
	Name     string   `json:"name"`
	Category string   `json:"category"`
	Value    int64    `json:"value"`
	Tags     []string `json:"tags,omitempty"`
}

// ErrNotArray means the input is valid JSON but not an array of objects.
var ErrNotArray = errors.New("input must be a JSON array of objects")

// Load reads records from path, or from stdin when path is "-".
func Load(path string, stdin io.Reader) ([]Record, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	recs, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return recs, nil
}

// Parse decodes a JSON array of record objects.
func Parse(data []byte) ([]Record, error) {
	// encoding/json would replace invalid UTF-8 and accept null for a slice
	// or a struct; refuse both so that bad input is an error, not a guess.
	if !utf8.Valid(data) {
		return nil, errors.New("input is not valid UTF-8")
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, ErrNotArray
	}
	recs := make([]Record, 0, len(raw))
	for i, item := range raw {
		if !bytes.HasPrefix(item, []byte("{")) {
			return nil, fmt.Errorf("record %d: %w", i, ErrNotArray)
		}
		var rec Record
		if err := json.Unmarshal(item, &rec); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}
