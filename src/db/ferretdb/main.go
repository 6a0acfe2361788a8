// Command ferretdb runs FerretDB 1.24 (SQLite or PostgreSQL backend) for the tracker's embedded engine.
//
// Why a wrapper instead of `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: that
// binary panics at start-up ("Invalid build/version/version.txt") because a module-proxy build has
// no generated version file. FerretDB's own embeddable package has no such check, disables telemetry
// itself and writes no state file, so this command builds on it. It accepts the upstream command's
// flag names, so the resolver can start either binary the same way.
//
// With --exit-on-stdin-eof it also stops when its standard input closes: the app keeps a pipe open,
// so if the app dies (even by SIGKILL) the engine follows instead of being left running.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func ferretVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/FerretDB/FerretDB" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func main() {
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URI")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL")
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP listen address")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	exitOnEOF := flag.Bool("exit-on-stdin-eof", false, "stop when standard input is closed")
	showVersion := flag.Bool("version", false, "print the FerretDB version and exit")
	// Accepted for compatibility with the upstream command; the embeddable package keeps no state
	// file, runs no debug listener and never reports telemetry.
	flag.String("state-dir", "", "ignored")
	flag.String("debug-addr", "", "ignored")
	flag.String("telemetry", "disable", "ignored: telemetry is always disabled")
	flag.Parse()

	if *showVersion {
		fmt.Printf("ferretdb %s (embedded)\n", ferretVersion())
		return
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(*logLevel))); err != nil {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *postgresqlURL,
	})
	if err != nil {
		logger.Error("cannot start", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if *exitOnEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	logger.Info("listening", "addr", *listenAddr, "version", ferretVersion())
	_ = f.Run(ctx)
}
