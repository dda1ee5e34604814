// Package output prints command results as JSON.
package output

import (
	"encoding/json"
	"io"
)

// Print writes v as JSON and a newline: compact, or indented by two spaces
// when pretty. HTML characters are left as they are.
func Print(w io.Writer, v any, pretty bool) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}
