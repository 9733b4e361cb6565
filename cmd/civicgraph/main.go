// Command civicgraph runs the civicgraph GraphQL data platform and its
// maintenance commands: serve, migrate, import, export, seed, rollup, apikey.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	_ "time/tzdata" // local periods are cut in Asia/Shanghai even without system zoneinfo

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
	// subcommands are the words one of which must follow the command's
	// name before its flags (apikey create ...); none for most commands.
	subcommands []string
}

var commands map[string]command

// init fills the command table. A package-level initializer would be a
// cycle: parse (config.go) runs the commands of this table up to their
// flag parsing, to learn their flags.
func init() {
	commands = map[string]command{
		"serve":   {"run the GraphQL server (GraphQL at /graphql, GraphiQL at /)", runServe, nil},
		"migrate": {"migrate the database to the current schema (or --to VERSION)", runMigrate, nil},
		"import":  {"import NDJSON files ('-' reads standard input) in one transaction", runImport, nil},
		"export":  {"write the store as NDJSON to standard output", runExport, nil},
		"seed":    {"fill the store with the article scenario or synthetic data", runSeed, nil},
		"rollup":  {"verify the roll-up tables against the base tables, or rebuild them", runRollup, nil},
		"apikey":  {"create, list and revoke API keys; register a key's allowed operations", runAPIKey, slices.Sorted(maps.Keys(apikeySubcommands))},
		"config":  {"print the settings a command would run with (flags, environment, config file), secrets redacted", runConfig, nil},
	}
}

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	// JSON lines for log collectors; a line logged with a request's
	// context carries its request id (server.RequestIDHandler). Request
	// lines carry operation names, never queries, variables or bodies.
	slog.SetDefault(slog.New(server.RequestIDHandler(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status: 0 success, 1 a
// failure explained on stderr, 2 bad usage.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "civicgraph: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := runTraced(ctx, args[0], cmd.run, args[1:], stdin, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "civicgraph %s: %s\n", args[0], ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "civicgraph %s: %s\n", args[0], strings.TrimSpace(err.Error()))
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: civicgraph COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --database URL (postgres://... or sqlite:PATH; default "+store.DefaultURL+") and --config FILE.")
	fmt.Fprintln(w, "Settings, highest first: flags; environment variables CIVICGRAPH_<FLAG> (--rate-limit: CIVICGRAPH_RATE_LIMIT);")
	fmt.Fprintln(w, "the config file (--config or $CIVICGRAPH_CONFIG); defaults. civicgraph config -h explains, civicgraph config COMMAND shows them.")
}

// newFlags makes a command's flag set with the shared --database and
// --config flags.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("civicgraph "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("database", store.DefaultURL, "database URL: postgres://... or sqlite:PATH")
	probe, _ := stderr.(*flagProbe) // set when the command runs only up to parse (config.go)
	command, _, _ := strings.Cut(name, " ")
	fs.Var(&configFlag{command: command, probe: probe}, "config", "read settings from this file (default $CIVICGRAPH_CONFIG; see civicgraph config -h)")
	return fs, db
}

// parse parses flags, turning flag errors into usage errors, then gives
// every flag the command line left unset its value from the environment
// or the config file (config.go). Defaults stay the built-in ones, so -h
// never shows a value from the environment or the file.
func parse(fs *flag.FlagSet, args []string) error {
	settings := configOf(fs)
	if settings.handedToProbe(fs) {
		return errProbed
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return settings.layer(fs)
}

// openStore opens the database and migrates it to the current schema, as
// every command does before using it.
func openStore(ctx context.Context, url string) (*store.DB, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	traceStatements(db)
	if _, err := db.Migrate(ctx, 0); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
