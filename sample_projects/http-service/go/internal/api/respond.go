package api

import (
	"bytes"
	"encoding/json"
	"log"
	"net/http"

	"example.com/http-service/internal/model"
)

// apiError is an error with the status code it is answered with.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(message string) *apiError {
	return &apiError{status: http.StatusBadRequest, message: message}
}

func notFound(message string) *apiError {
	return &apiError{status: http.StatusNotFound, message: message}
}

func unprocessable(message string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, message: message}
}

// writeJSON writes v as compact JSON without a trailing newline. HTML
// characters are left as they are (encoding/json escapes them by default).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		log.Printf("encode response: %v", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"internal error"}`)
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, err *apiError) {
	writeJSON(w, err.status, model.ErrorBody{Error: err.message})
}
