package main

// Settings come in layers, highest first: a flag on the command line, an
// environment variable (CIVICGRAPH_ and the flag's name, --rate-limit ←
// CIVICGRAPH_RATE_LIMIT), the config file (--config or $CIVICGRAPH_CONFIG),
// the flag's built-in default. Every command gets this by making its flags
// with newFlags and parsing them with parse; nothing here lists a command's
// flags, so a flag is configurable the day it is added.
//
// The config file has one setting a line, `key = value`, keys being flag
// names; `# comments`; and optional [command] sections: the top part applies
// to every command that has the flag, a section only to its command (and
// wins over the top part).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/civicgraph/civicgraph/internal/auth"
)

// configFlag is the value of every command's --config flag. Besides the
// file's path it carries what parse needs to know, so that parse keeps no
// state of its own: the command's name (its section in the file), the
// probe when the command runs only to show or hand over its flags, and
// where each flag's value came from.
type configFlag struct {
	path       string
	pathSource string
	command    string            // "serve"; "apikey" for every apikey subcommand
	probe      *flagProbe        // nil on an ordinary run
	file       *settingsFile     // the file last read, kept for parse's next call
	sources    map[string]string // flag name → "flag", "env NAME", "file PATH:LINE" or "default"
}

func (c *configFlag) String() string {
	if c == nil {
		return ""
	}
	return c.path
}

func (c *configFlag) Set(path string) error { c.path = path; return nil }

// configOf returns the --config value newFlags put in fs; nil for a flag
// set made otherwise.
func configOf(fs *flag.FlagSet) *configFlag {
	if f := fs.Lookup("config"); f != nil {
		c, _ := f.Value.(*configFlag)
		return c
	}
	return nil
}

// flagProbe runs a command only up to its flag parsing. It stands in for
// the command's standard error, the one thing every command hands to
// newFlags, and parse, finding it, stops the command with errProbed
// instead of returning to it: with show set, after printing the command's
// effective settings (civicgraph config); without, after handing over the
// flag set (to check a config file's keys). This relies on every command
// calling parse before it does anything else.
type flagProbe struct {
	io.Writer                // the real standard error, for usage and -h
	show       io.Writer     // print the settings here; nil: only take the flags
	configPath *string       // civicgraph config --config PATH, nil when not given
	flags      *flag.FlagSet // what the command defined, when show is nil
}

// errProbed ends a command run by a flagProbe.
var errProbed = errors.New("the command ran only up to its flag parsing")

// handedToProbe reports whether the command runs only so that a probe can
// take its flag set, which it then has.
func (c *configFlag) handedToProbe(fs *flag.FlagSet) bool {
	if c == nil || c.probe == nil || c.probe.show != nil {
		return false
	}
	c.probe.flags = fs
	return true
}

// layer gives every flag the command line left unset its value from the
// highest layer that has one, and records each flag's source; under
// civicgraph config it then prints the settings and stops the command.
// parse may run more than once on one flag set (apikey's flags may follow
// its arguments), so layering again gives the same result.
func (c *configFlag) layer(fs *flag.FlagSet) error {
	if c == nil {
		return nil
	}
	showing := c.probe != nil && c.probe.show != nil
	if showing {
		if err := parseEverywhere(fs); err != nil {
			return err
		}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	file, err := c.readFile(given["config"])
	if err != nil {
		return err
	}
	if err := file.check(c.command, fs); err != nil {
		return err
	}
	sources := map[string]string{"config": c.pathSource}
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "config" || err != nil {
			return
		}
		sources[f.Name], err = c.settle(f, given[f.Name], file)
	})
	if err != nil {
		return err
	}
	c.sources = sources
	if showing {
		printSettings(c.probe.show, fs, sources)
		return errProbed
	}
	return nil
}

// parseEverywhere parses the flags that follow the first argument that is
// not one, and so on: civicgraph config shows the settings of `apikey
// revoke NAME --database URL` as apikey itself would parse them.
func parseEverywhere(fs *flag.FlagSet) error {
	for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
		if err := fs.Parse(rest[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err.Error()}
		}
	}
	return nil
}

// readFile reads the config file --config names, else $CIVICGRAPH_CONFIG;
// none when both are empty.
func (c *configFlag) readFile(given bool) (*settingsFile, error) {
	env := envNames("config")[0]
	switch {
	case given:
		c.pathSource = "flag"
	case c.probe != nil && c.probe.configPath != nil:
		c.path, c.pathSource = *c.probe.configPath, "flag"
	case os.Getenv(env) != "":
		c.path, c.pathSource = os.Getenv(env), "env "+env
	default:
		c.path, c.pathSource = "", "default"
	}
	if c.path == "" {
		return nil, nil
	}
	if c.file == nil || c.file.path != c.path {
		f, err := readSettingsFile(c.path)
		if err != nil {
			return nil, err
		}
		c.file = f
	}
	return c.file, nil
}

// settle gives one flag its value from the highest layer that has one and
// returns that layer's name. A layer already applied by an earlier parse
// is not applied again, since Set may add to a value (export --type).
func (c *configFlag) settle(f *flag.Flag, given bool, file *settingsFile) (string, error) {
	if given {
		return "flag", nil
	}
	for _, name := range envNames(f.Name) {
		if v := os.Getenv(name); v != "" {
			source := "env " + name
			if c.sources[f.Name] != source {
				if err := setFrom(f, v, "$"+name); err != nil {
					return "", err
				}
			}
			return source, nil
		}
	}
	if lines := file.settingsFor(c.command, f.Name); len(lines) > 0 {
		source := "file " + file.at(lines[len(lines)-1])
		if c.sources[f.Name] != source {
			for _, s := range lines {
				if err := setFrom(f, s.value, file.at(s)); err != nil {
					return "", err
				}
			}
		}
		return source, nil
	}
	if old := c.sources[f.Name]; old != "" && old != "default" {
		// An earlier parse layered a value that no layer gives now (a
		// later --config named another file).
		if err := f.Value.Set(f.DefValue); err != nil {
			return "", usageError{fmt.Sprintf("reset --%s to its default: %v", f.Name, err)}
		}
	}
	return "default", nil
}

// envNames are the variables that set a flag, highest first: CIVICGRAPH_
// and the flag's name upper-cased with - as _; for --database also
// CIVICGRAPH_DATABASE_URL, its name before every flag had a variable.
// An empty variable counts as unset.
func envNames(flagName string) []string {
	name := "CIVICGRAPH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
	if flagName == "database" {
		return []string{name, "CIVICGRAPH_DATABASE_URL"}
	}
	return []string{name}
}

// setFrom sets a flag from the environment or the file through the flag's
// own Set, so that a value is checked as on the command line. where says
// where the value came from.
func setFrom(f *flag.Flag, value, where string) error {
	if strings.Contains(value, auth.KeyPrefix) {
		// No flag takes an API key, and error messages may repeat values
		// (a variable CIVICGRAPH_KEY meant for a client, say).
		return usageError{fmt.Sprintf("%s: the value for --%s holds an API key, which no setting takes", where, f.Name)}
	}
	if err := f.Value.Set(value); err != nil {
		shown := displayValue(f.Name, value)
		if !strings.HasPrefix(shown, `"`) && !strings.HasPrefix(shown, "<redacted") {
			shown = strconv.Quote(shown) // as the flag package says it
		}
		return usageError{fmt.Sprintf("%s: invalid value %s for --%s: %v", where, shown, f.Name, err)}
	}
	return nil
}

// settingsFile is a config file: `key = value` lines in a top part that
// every command reads and [command] sections that only that command reads.
type settingsFile struct {
	path     string
	top      []setting
	sections map[string][]setting
	headers  []setting // the [command] lines, key holding the name
}

// setting is one `key = value` line of a config file.
type setting struct {
	key, value string
	line       int
}

func (f *settingsFile) at(s setting) string { return fmt.Sprintf("%s:%d", f.path, s.line) }

// readSettingsFile reads and parses a config file; any problem is bad
// usage that names the file (and the line).
func readSettingsFile(path string) (*settingsFile, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, usageError{fmt.Sprintf("read the config file %s: %v", path, err)}
	}
	f := &settingsFile{path: path, sections: map[string][]setting{}}
	section := "" // the top part
	for i, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		at := fmt.Sprintf("%s:%d", path, i+1)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			header, _, _ := strings.Cut(line, "#")
			name, ok := strings.CutSuffix(strings.TrimSpace(header), "]")
			name = strings.TrimSpace(name[1:])
			if !ok || name == "" {
				return nil, usageError{at + ": want [command]"}
			}
			section = name
			f.headers = append(f.headers, setting{key: name, line: i + 1})
		default:
			key, raw, ok := strings.Cut(line, "=")
			key = strings.TrimSpace(key)
			if !ok || key == "" || strings.ContainsAny(key, " \t") {
				return nil, usageError{at + ": want key = value, [command] or a # comment"}
			}
			value, err := settingValue(strings.TrimSpace(raw))
			if err != nil {
				return nil, usageError{fmt.Sprintf("%s: %s: %v", at, key, err)}
			}
			s := setting{key: key, value: value, line: i + 1}
			if section == "" {
				f.top = append(f.top, s)
			} else {
				f.sections[section] = append(f.sections[section], s)
			}
		}
	}
	return f, nil
}

// settingValue is the value part of a line: a Go-quoted string, or the
// text up to a # that follows a space (a comment), trimmed.
func settingValue(raw string) (string, error) {
	if strings.HasPrefix(raw, `"`) {
		quoted, err := strconv.QuotedPrefix(raw)
		if err != nil {
			return "", errors.New("the quoted value does not end, or is not Go syntax")
		}
		if rest := strings.TrimSpace(raw[len(quoted):]); rest != "" && !strings.HasPrefix(rest, "#") {
			return "", errors.New("text after the quoted value")
		}
		return strconv.Unquote(quoted)
	}
	if strings.HasPrefix(raw, "#") {
		return "", nil
	}
	for i := 1; i < len(raw); i++ {
		if raw[i] == '#' && (raw[i-1] == ' ' || raw[i-1] == '\t') {
			return strings.TrimSpace(raw[:i]), nil
		}
	}
	return raw, nil
}

// check refuses what would otherwise be silently ignored: a section that
// is no command, a key in the command's own section that none of its
// flags (or its subcommands' flags) has, a top-level key that is no flag
// of any command. Keys in other commands' sections are theirs to check.
func (f *settingsFile) check(command string, fs *flag.FlagSet) error {
	if f == nil {
		return nil
	}
	var names []string
	for name := range commands {
		if name != "config" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, h := range f.headers {
		if !slices.Contains(names, h.key) {
			return usageError{fmt.Sprintf("%s: unknown section [%s]: want one of %s", f.at(h), h.key, strings.Join(names, ", "))}
		}
	}
	for _, part := range []struct {
		lines []setting
		of    []string // whose flags are valid keys
		why   string   // completes "unknown key K"; %s is the key
	}{
		{f.top, names, ": no civicgraph command has --%s"},
		{f.sections[command], []string{command}, " in [" + command + "]: civicgraph " + command + " has no --%s"},
	} {
		var known map[string]bool // filled when first needed: it runs commands
		for _, s := range part.lines {
			switch {
			case s.key == "config":
				return usageError{f.at(s) + ": config: a config file cannot name another (use --config or $CIVICGRAPH_CONFIG)"}
			case fs.Lookup(s.key) != nil:
				continue
			case known == nil:
				known = flagsOf(part.of)
			}
			if !known[s.key] {
				return usageError{fmt.Sprintf("%s: unknown key %q"+part.why, f.at(s), s.key, s.key)}
			}
		}
	}
	return nil
}

// settingsFor returns the lines that set key for command: those of its
// section if any, else those of the top part.
func (f *settingsFile) settingsFor(command, key string) []setting {
	if f == nil {
		return nil
	}
	pick := func(lines []setting) (out []setting) {
		for _, s := range lines {
			if s.key == key {
				out = append(out, s)
			}
		}
		return out
	}
	if s := pick(f.sections[command]); len(s) > 0 {
		return s
	}
	return pick(f.top)
}

// flagsOf runs the named commands (and each of their subcommands) up to
// their flag parsing and returns the names of all their flags.
func flagsOf(names []string) map[string]bool {
	known := map[string]bool{}
	for _, name := range names {
		cmd := commands[name]
		argLists := [][]string{nil}
		if len(cmd.subcommands) > 0 {
			argLists = nil
			for _, sub := range cmd.subcommands {
				argLists = append(argLists, []string{sub})
			}
		}
		for _, args := range argLists {
			p := &flagProbe{Writer: io.Discard}
			_ = cmd.run(context.Background(), args, strings.NewReader(""), io.Discard, p)
			if p.flags != nil {
				p.flags.VisitAll(func(f *flag.Flag) { known[f.Name] = true })
			}
		}
	}
	return known
}

const configUsage = `usage: civicgraph config [--config FILE] [COMMAND [SUBCOMMAND]] [flags]

Prints the settings COMMAND (default serve) would run with, one a line:
  name = value  # source
where source is flag, env CIVICGRAPH_NAME, file PATH:LINE or default.
Secrets are redacted: the JWT secret, the password of a database URL, API keys.

Settings, highest first: flags; environment variables CIVICGRAPH_ and the
flag's name upper-cased with - as _ (--rate-limit: CIVICGRAPH_RATE_LIMIT;
empty counts as unset); the config file (--config FILE or $CIVICGRAPH_CONFIG);
defaults. The file has one "key = value" a line, keys being flag names,
"# comments", values optionally "Go-quoted"; a [COMMAND] section applies only
to that command and wins over the top part, which applies to every command
that has the flag.`

// runConfig prints the effective settings of a command by running it up
// to its flag parsing with a flagProbe.
func runConfig(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	probe := &flagProbe{Writer: stderr, show: stdout}
loop:
	for len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help" || a == "help":
			fmt.Fprintln(stderr, configUsage)
			return flag.ErrHelp
		case a == "-config" || a == "--config":
			if len(args) < 2 {
				return usageError{"flag needs an argument: --config"}
			}
			probe.configPath, args = &args[1], args[2:]
		case strings.HasPrefix(a, "-config=") || strings.HasPrefix(a, "--config="):
			_, path, _ := strings.Cut(a, "=")
			probe.configPath, args = &path, args[1:]
		default:
			break loop
		}
	}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok || name == "config" {
		return usageError{fmt.Sprintf("unknown command %q (civicgraph config -h)", name)}
	}
	err := cmd.run(ctx, args, stdin, io.Discard, probe)
	switch {
	case errors.Is(err, errProbed):
		return nil
	case err == nil:
		return fmt.Errorf("civicgraph %s finished without parsing its flags", name)
	}
	return err
}

// printSettings writes each flag's effective value and its source, one a
// line, secrets redacted.
func printSettings(w io.Writer, fs *flag.FlagSet, sources map[string]string) {
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(w, "%s = %s  # %s\n", f.Name, displayValue(f.Name, f.Value.String()), sources[f.Name])
	})
}

// displayValue is a setting's value as civicgraph config and error
// messages show it: secrets redacted, quoted when the file syntax needs it.
// A flag is secret when its name says so (jwt-secret).
func displayValue(name, value string) string {
	switch {
	case value != "" && (strings.Contains(name, "secret") || strings.Contains(name, "password") || strings.Contains(name, "token")):
		return fmt.Sprintf("<redacted, %d bytes>", len(value))
	case strings.Contains(value, auth.KeyPrefix):
		return "<redacted API key>"
	}
	value = redactPasswords(value)
	if value == "" || value != strings.TrimSpace(value) || strings.HasPrefix(value, `"`) || strings.HasPrefix(value, "#") ||
		strings.Contains(value, " #") || strings.Contains(value, "\t#") || strings.IndexFunc(value, unicode.IsControl) >= 0 {
		return strconv.Quote(value)
	}
	return value
}

// redactPasswords hides the passwords of a URL: in its user information
// (postgres://user:***@host/db) and in query parameters named like one
// (?password=***), which pgx accepts too. When the URL is odd (an @ in a
// query parameter) it hides more than the password, never less.
func redactPasswords(value string) string {
	if urls := splitURLList(value); len(urls) > 1 { // --replica-url's list
		for i, u := range urls {
			urls[i] = redactPasswords(u)
		}
		return strings.Join(urls, ",")
	}
	scheme, rest, ok := strings.Cut(value, "://")
	if !ok {
		return value
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPassword := strings.Cut(rest[:at], ":"); hasPassword {
			rest = user + ":***" + rest[at:]
		}
	}
	if path, query, ok := strings.Cut(rest, "?"); ok {
		params := strings.Split(query, "&")
		for i, p := range params {
			if key, _, _ := strings.Cut(p, "="); strings.Contains(strings.ToLower(key), "password") {
				params[i] = key + "=***"
			}
		}
		rest = path + "?" + strings.Join(params, "&")
	}
	return scheme + "://" + rest
}
