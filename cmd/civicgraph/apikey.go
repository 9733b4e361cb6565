package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

const apikeyUsage = `usage:
  civicgraph apikey create --name NAME --role ADMIN|ANALYST|OPERATOR|PARTNER [--scope region:CODE|organization:CODE] [--pii]
  civicgraph apikey list
  civicgraph apikey revoke ID|NAME
  civicgraph apikey allow --key ID|NAME FILE.graphql...
  civicgraph apikey disallow --key ID|NAME (FILE.graphql... | --all)
Every subcommand takes --database URL.`

// apikeySubcommands are the subcommands of `civicgraph apikey`.
var apikeySubcommands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"create":   runAPIKeyCreate,
	"list":     runAPIKeyList,
	"revoke":   runAPIKeyRevoke,
	"allow":    runAPIKeyAllow,
	"disallow": runAPIKeyDisallow,
}

// runAPIKey manages API keys: the key itself is printed once, by create,
// alone on the last line of standard output so that scripts can take it
// with `tail -n 1`; it is stored only as a hash.
func runAPIKey(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"missing subcommand: want create, list, revoke, allow or disallow"}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, apikeyUsage)
		return flag.ErrHelp
	}
	if strings.HasPrefix(args[0], "-") {
		return usageError{"missing subcommand (it comes before the flags): want create, list, revoke, allow or disallow"}
	}
	sub, ok := apikeySubcommands[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown subcommand %q: want create, list, revoke, allow or disallow", args[0])}
	}
	return sub(ctx, args[1:], stdout, stderr)
}

// apikeyFlags is newFlags for a subcommand, with the usage of them all.
func apikeyFlags(sub string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs, db := newFlags("apikey "+sub, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, apikeyUsage)
		fs.PrintDefaults()
	}
	return fs, db
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (`revoke partner-a --database URL`), and returns
// the positional ones. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// keyError turns what internal/auth says about bad input into bad usage
// (exit 2); everything else stays a failure (exit 1).
func keyError(err error) error {
	if err != nil && apperr.CodeOf(err) == apperr.BadUserInput {
		return usageError{apperr.MessageOf(err)}
	}
	return err
}

func runAPIKeyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbURL := apikeyFlags("create", stderr)
	name := fs.String("name", "", "the key's name, unique: how people refer to it")
	role := fs.String("role", "", "ADMIN, ANALYST, OPERATOR or PARTNER")
	scopeText := fs.String("scope", "", "region:CODE (ANALYST, OPERATOR) or organization:CODE (PARTNER, required)")
	pii := fs.Bool("pii", false, "grant pii:read: personal data unmasked, each read written to the access log")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return usageError{"unexpected arguments: " + strings.Join(rest, " ")}
	case *name == "":
		return usageError{"--name is required"}
	case *role == "":
		return usageError{"--role is required: ADMIN, ANALYST, OPERATOR or PARTNER"}
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return keyError(err)
	}
	scope, err := auth.ParseScope(*scopeText)
	if err != nil {
		return keyError(err)
	}
	if err := auth.CheckGrant(r, scope); err != nil {
		return keyError(err)
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	key, row, err := auth.Create(ctx, db, *name, r, scope, *pii)
	if err != nil {
		return keyError(err)
	}
	fmt.Fprintf(stdout, "created API key %d %q: %s\n", row.ID, row.Name, describeGrant(row))
	fmt.Fprintln(stdout, "the key follows on the last line; it is shown only this once and cannot be recovered:")
	fmt.Fprintln(stdout, key)
	return nil
}

// describeGrant says in words what a key may do.
func describeGrant(k *auth.APIKey) string {
	s := "role " + string(k.Role)
	if k.Scope.Kind != auth.ScopeNone {
		s += ", scope " + k.Scope.String()
	} else if k.Role != auth.Admin {
		s += ", the whole region tree"
	}
	if k.PII {
		s += ", pii:read"
	}
	return s
}

func runAPIKeyList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbURL := apikeyFlags("list", stderr)
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{"unexpected arguments: " + strings.Join(rest, " ")}
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := auth.List(ctx, db)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSCOPE\tPII\tPREFIX\tCREATED\tREVOKED\tOPERATIONS")
	for _, k := range keys {
		scope, pii, revoked, ops := k.Scope.String(), "no", "-", "any"
		if scope == "" {
			scope = "-"
		}
		if k.PII {
			pii = "yes"
		}
		if k.Revoked() {
			revoked = k.RevokedAt.Format(time.RFC3339)
		}
		if k.Operations > 0 {
			ops = fmt.Sprintf("%d registered", k.Operations)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s…\t%s\t%s\t%s\n",
			k.ID, k.Name, k.Role, scope, pii, k.Prefix, k.CreatedAt.Format(time.RFC3339), revoked, ops)
	}
	return tw.Flush()
}

func runAPIKeyRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbURL := apikeyFlags("revoke", stderr)
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"want one key to revoke: ID or NAME"}
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := auth.FindKey(ctx, db, rest[0])
	if err != nil {
		return err
	}
	if before.Revoked() {
		fmt.Fprintf(stdout, "API key %d %q was already revoked at %s\n", before.ID, before.Name, before.RevokedAt.Format(time.RFC3339))
		return nil
	}
	k, err := auth.Revoke(ctx, db, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked API key %d %q; running servers refuse it within %s\n", k.ID, k.Name, auth.DefaultKeyCacheTTL)
	return nil
}

// operationFiles reads GraphQL documents and returns their hashes, in the
// order given; a file that is not a GraphQL document is refused, since no
// client could run it.
func operationFiles(paths []string) ([]string, error) {
	hashes := make([]string, len(paths))
	for i, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if _, err := parser.ParseQuery(&ast.Source{Name: p, Input: string(text)}); err != nil {
			return nil, fmt.Errorf("%s is not a GraphQL document: %s", p, err.Error())
		}
		hashes[i] = auth.DocumentHash(string(text))
	}
	return hashes, nil
}

// keyForOperations parses the flags of allow and disallow, opens the store
// and finds the key.
func keyForOperations(ctx context.Context, sub string, args []string, stderr io.Writer, all *bool) (db *store.DB, k *auth.APIKey, files []string, err error) {
	fs, dbURL := apikeyFlags(sub, stderr)
	ref := fs.String("key", "", "the key: ID or NAME")
	if all != nil {
		fs.BoolVar(all, "all", false, "remove every registered operation: the key then runs any operation")
	}
	files, err = parseInterspersed(fs, args)
	if err != nil {
		return nil, nil, nil, err
	}
	switch {
	case *ref == "":
		return nil, nil, nil, usageError{"--key ID|NAME is required"}
	case all != nil && *all && len(files) > 0:
		return nil, nil, nil, usageError{"give FILE.graphql... or --all, not both"}
	case len(files) == 0 && all == nil:
		return nil, nil, nil, usageError{"want one or more FILE.graphql"}
	case len(files) == 0 && !*all:
		return nil, nil, nil, usageError{"want one or more FILE.graphql, or --all"}
	}
	db, err = openStore(ctx, *dbURL)
	if err != nil {
		return nil, nil, nil, err
	}
	k, err = auth.FindKey(ctx, db, *ref)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, k, files, nil
}

func runAPIKeyAllow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	db, k, files, err := keyForOperations(ctx, "allow", args, stderr, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if k.Revoked() {
		return fmt.Errorf("API key %d %q is revoked", k.ID, k.Name)
	}
	hashes, err := operationFiles(files)
	if err != nil {
		return err
	}
	if _, err := auth.AllowOperations(ctx, db, k.ID, hashes); err != nil {
		return err
	}
	for i, h := range hashes {
		fmt.Fprintf(stdout, "%s  %s\n", h, files[i])
	}
	all, err := auth.Operations(ctx, db, k.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key %d %q now runs only its registered operations (%d in all), sent byte for byte as in their files\n", k.ID, k.Name, len(all))
	return nil
}

func runAPIKeyDisallow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var all bool
	db, k, files, err := keyForOperations(ctx, "disallow", args, stderr, &all)
	if err != nil {
		return err
	}
	defer db.Close()
	var hashes []string // nil: all of them
	if !all {
		if hashes, err = operationFiles(files); err != nil {
			return err
		}
	}
	removed, err := auth.DisallowOperations(ctx, db, k.ID, hashes)
	if err != nil {
		return err
	}
	left, err := auth.Operations(ctx, db, k.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %d registered operations of API key %d %q\n", removed, k.ID, k.Name)
	if len(left) == 0 {
		fmt.Fprintf(stdout, "API key %d %q has no registered operations left: it runs any operation\n", k.ID, k.Name)
	} else {
		fmt.Fprintf(stdout, "API key %d %q runs only its registered operations (%d in all)\n", k.ID, k.Name, len(left))
	}
	return nil
}
