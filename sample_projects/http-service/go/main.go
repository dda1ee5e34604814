// Command http-service is a small JSON-over-HTTP API.
//
// Usage: http-service [--addr HOST:PORT]   (default 127.0.0.1:8080)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/http-service/internal/api"
	"example.com/http-service/internal/model"
	"example.com/http-service/internal/store"
)

const defaultAddr = "127.0.0.1:8080"

func main() {
	addr := flag.String("addr", defaultAddr, "listen address HOST:PORT")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: http-service [--addr HOST:PORT]")
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unknown argument: %s\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen on %s: %v", *addr, err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())

	srv := &http.Server{
		Handler:           api.New(store.Seeded(model.SeedUsers)),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
