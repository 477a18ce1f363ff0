package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
)

// run builds the command-line app, runs it and returns the exit code. It
// never calls os.Exit, so tests can run it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	if startProfile != nil {
		defer startProfile()()
	}
	out, errOut := output.NewRedactor(stdout), output.NewRedactor(stderr)
	defer out.Flush()
	defer errOut.Flush()
	talk := output.Talk{W: errOut}
	// A panic is a bug, but its message and stack still go through the
	// redacting writer rather than straight to the terminal.
	defer func() {
		if p := recover(); p != nil {
			talk.Errorf("internal error, a bug in dbguard (please report it with the lines below): %v", p)
			errOut.Write(debug.Stack())
			code = exitUsage
		}
	}()
	// Before anything is written: the passwords on the command line and in
	// the environment (the project's are learnt as a command starts).
	learnArgs(args[1:])
	learnEnviron(os.Environ())

	// The first Ctrl-C or SIGTERM cancels ctx (migrations stop after the one
	// in flight); a second one ends the process at once.
	report := &jsonReport{}
	ctx, stop := interruptible(func() {
		// A --format json reader gets one JSON document still: the
		// report so far, marked interrupted.
		partial := report.interrupted(out, flushWait)
		out.FlushHeld(flushWait)
		// The first Ctrl-C's error is said on stderr; so is the second,
		// which ends the process before any error is: after what the
		// command had printed, as its last line.
		var last bytes.Buffer
		output.Talk{W: &last}.Errorf("%s", secondInterruptText(partial))
		errOut.FlushHeldThen(flushWait, last.String())
	})
	defer stop()

	// A completion request is answered here, before the app parses a word,
	// so that it cannot reach an action.
	if shell, words, ok := completionRequest(args); ok {
		writeCompletions(out, newApp(stdin, out, errOut), shell, words)
		return exitOK
	}
	err := runApp(ctx, args, stdin, out, errOut, isTerminal(stdout), report)
	if err == nil {
		return exitOK
	}
	return explainFailure(talk, err)
}

// helpPath is the command args names, up to its first flag or argument:
// "dbguard hook pre-commit" for dbguard hook pre-commit --help .env.
func helpPath(args []string) string {
	path := []string{"dbguard"}
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") || strings.ContainsAny(a, "./") {
			break
		}
		path = append(path, a)
	}
	return strings.Join(path, " ")
}

// secondInterruptText is the stderr line of a second Ctrl-C: what it did,
// and, when it wrote the --format json document, that the document is
// partial.
func secondInterruptText(partial bool) string {
	msg := "a second interrupt ended dbguard at once, before the command finished: what it was doing stopped where it stood"
	if partial {
		msg += "; the JSON document on stdout is partial, its error of class interrupted"
	}
	return msg
}

// flushWait is how long the second Ctrl-C waits for a write under way
// before it writes what the redactors hold and ends the process.
const flushWait = 200 * time.Millisecond

// interruptible returns a context the first SIGINT or SIGTERM cancels,
// and what stops listening. The second such signal calls flush (the
// redactors' held partial lines are written, masked: they used to be
// lost, a child's last words with them) and ends the process: the
// signal raised again with its handler reset, so it ends as the default
// handler would end it, or exit 130 where that would not end it. It used
// to restore the handler the process started with once it had seen the
// first: a dbguard started with SIGINT ignored (a background job of a
// non-interactive shell; Notify had un-ignored it) went back to ignoring
// it, and a second SIGINT left the migration in flight to run to its
// end. A second signal sent before the listener ran was lost as well.
func interruptible(flush func()) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-sigs:
			flush()
			signal.Reset(sig)
			// Raised again under its reset handler, the signal ends the
			// process before Signal returns, as the default handler
			// would. Where it does not (started with it ignored, which
			// Reset restores and signal.Ignored does not report; Windows,
			// where a process cannot signal itself), exit 130.
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				p.Signal(sig)
			}
			os.Exit(exitcode.Interrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// startProfile is set only in a binary built with -tags dbguard_profile
// (profile.go): it starts a CPU profile and returns what stops it.
var startProfile func() func()

// runApp runs the command line. With --format json, stdout is one JSON
// object whatever happens: what the command prints is held until it ends,
// to add the error to it. "dbguard help migrate up" runs as "dbguard
// migrate up --help".
func runApp(ctx context.Context, args []string, stdin io.Reader, out, errOut io.Writer, tty bool, report *jsonReport) error {
	var appOut io.Writer = out
	asJSON := wantsJSON(args[1:])
	if asJSON {
		appOut = report
		report.use()
	}
	runOnce := func(args []string) error {
		app := newApp(stdin, appOut, errOut)
		// The writers are redactors; whether the real stdout is a terminal
		// (for colour) is known only to run.
		app.Metadata = map[string]any{"tty": tty}
		return app.RunContext(ctx, noneVersion(args))
	}
	err := runOnce(args)
	var help helpRequest
	if errors.As(err, &help) {
		err = runOnce(append(append([]string{args[0]}, help...), "--help"))
	}
	if err != nil && strings.HasPrefix(err.Error(), "No help topic for ") {
		// urfave/cli's answer to "--help ARG" (a file pre-commit passes
		// named --help, before the others), with its exit code 3:
		// unreachable. A usage error, exit 2.
		err = usageError{fmt.Errorf("--help (or -h) was given with arguments; a file whose name starts with - goes after -- (run: %s --help)", helpPath(args))}
	}
	err = afterInterrupt(ctx, err)
	if asJSON {
		if werr := report.finish(out, err); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// afterInterrupt is err as the first Ctrl-C or SIGTERM (ctx cancelled)
// left it: an error with no exit code of its own is the interrupt's (exit
// 130, "interrupted (conn closed)"). A command stopped mid-query may
// return what the cancelled work left rather than context.Canceled: a
// connection closed under a read gave "conn closed" and exit 2 (the
// gate's TestInterruptedPlanDropsShadow, under load). An error that
// carries its own code (a check that failed, a server that could not be
// reached) keeps it.
func afterInterrupt(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil || errors.Is(err, context.Canceled) {
		return err
	}
	var c exitcode.Coder
	if errors.As(err, &c) {
		return err
	}
	return fmt.Errorf("%w (%w)", context.Canceled, err)
}

// explainFailure says what went wrong and what to do next, and returns
// the exit code the error means.
func explainFailure(talk output.Talk, err error) int {
	code := exitCode(err)
	var status exitStatus
	if errors.As(err, &status) {
		return code // the child, or the doctor's report, has said what went wrong
	}
	talk.Errorf("%s", errorText(err))
	if h := hintOf(err); h != "" {
		talk.Hintf("%s", h)
	}
	return code
}

// hintOf is err's hint: its own, else pg.PoolerHint's for a prepared
// statement that collided in a pooler dbguard did not recognise.
func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return pg.PoolerHint(err)
}

// errorText is err's message as a user reads it: Go's "context canceled"
// is what Ctrl-C or SIGTERM did, so it says "interrupted".
func errorText(err error) string {
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = strings.ReplaceAll(msg, context.Canceled.Error(), "interrupted")
	}
	return msg
}

// noneVersion lets "migrate force -1" (golang-migrate's way to say no
// version) through the flag parser, which would read -1 as a flag.
func noneVersion(args []string) []string {
	for i := 2; i+1 < len(args); i++ {
		if args[i] == "force" && args[i-1] == "migrate" && args[i+1] == "-1" {
			out := append([]string{}, args...)
			out[i+1] = "none"
			return out
		}
	}
	return args
}

const appDescription = `dbguard finds every DATABASE_URL in the process environment and in every
.env file of a project, proves they name one database, and rewrites pooled
endpoints (Neon -pooler, Supabase pooler, your own rules) to direct ones.

Examples:
   dbguard env                     show every definition and the verdict
   dbguard migrate up              guard, rewrite a pooled URL, migrate, verify (golang-migrate,
                                   or the project's Alembic, Prisma, dbmate or goose)
   dbguard verify --shadow         live schema vs expect:, snapshot, migrations
   dbguard hook install            refuse commits with divergent env files or passwords
   dbguard ci --wait 60s           every check in one run, for a pipeline
   dbguard doctor                  the whole diagnosis, with a fix per problem
   dbguard exec -- ./seed.sh       any other command behind the same guard`

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "dbguard",
		Usage:   "prove one database is in effect before anything touches it",
		Version: versionString(),
		// Completion is not urfave/cli's (it runs the action after a "--"):
		// run answers "dbguard __complete" itself (completion.go).
		EnableBashCompletion: false,
		Description:          appDescription,
		Reader:               stdin,
		Writer:               stdout,
		ErrWriter:            stderr,
		HideHelpCommand:      true,
		Suggest:              true,
		// urfave/cli calls os.Exit itself unless this is set; run owns the
		// exit codes instead.
		ExitErrHandler: func(*cli.Context, error) {},
		// --help named here: urfave/cli adds it only when no command is
		// named help, and dbguard help is one (helpCommand).
		Flags: []cli.Flag{flagConfig, cli.HelpFlag},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError{fmt.Errorf("unknown command %q (run: dbguard --help)", c.Args().First())}
			}
			return cli.ShowAppHelp(c)
		},
		Commands: []*cli.Command{
			envCommand(),
			migrateCommand(),
			execCommand(),
			waitCommand(),
			verifyCommand(),
			schemaCommand(),
			hookCommand(),
			ciCommand(),
			doctorCommand(),
			servicesCommand(),
			completionCommand(),
			helpCommand(),
		},
	}
	// A usage mistake gets one error line and a hint, not a page of help.
	app.OnUsageError = onUsageError
	setUsage(app.Commands)
	learnFirst(app.Commands)
	serviceHints(app.Commands)
	prepareConnect(app.Commands)
	return app
}

// prepareConnect makes every command that connects (it has
// --connect-timeout) start what a connection builds before its first byte
// whatever the URL (pg.Prepare) before it reads the project.
func prepareConnect(cmds []*cli.Command) {
	for _, cmd := range cmds {
		prepareConnect(cmd.Subcommands)
		action := cmd.Action
		if action == nil || !hasFlag(cmd, "connect-timeout") {
			continue
		}
		cmd.Action = func(c *cli.Context) error {
			pg.Prepare()
			return action(c)
		}
	}
}

// setUsage gives every command the one-line usage error and no help
// subcommand, and every command with subcommands an unknown-subcommand
// error (urfave/cli's is "No help topic", with exit code 3: unreachable).
func setUsage(cmds []*cli.Command) {
	for _, cmd := range cmds {
		cmd.OnUsageError = onUsageError
		cmd.HideHelpCommand = true
		if len(cmd.Subcommands) > 0 && cmd.Action == nil {
			cmd.Action = func(c *cli.Context) error {
				if c.Args().Present() {
					path := commandPath(c)
					return usageError{fmt.Errorf("unknown command \"%s %s\" (run: %s --help)", strings.TrimPrefix(path, "dbguard "), c.Args().First(), path)}
				}
				return cli.ShowSubcommandHelp(c)
			}
		} else if cmd.Action != nil && !cmd.SkipFlagParsing {
			cmd.Action = checkArgs(cmd, cmd.Action)
		}
		setUsage(cmd.Subcommands)
	}
}

// checkArgs refuses, before the action runs, what the flag parser lets
// through: urfave/cli stops reading flags at the first argument, so
// "goto 3 --wait 1s" silently ignored --wait; a command that takes no
// argument ignored any; a negative --wait or --lock-timeout meant "none".
func checkArgs(cmd *cli.Command, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := argsError(c, cmd); err != nil {
			return usageError{fmt.Errorf("%w (run: %s --help)", err, commandPath(c))}
		}
		return action(c)
	}
}

func argsError(c *cli.Context, cmd *cli.Command) error {
	args := c.Args().Slice()
	if cmd.ArgsUsage == "" && len(args) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", commandPath(c), args[0])
	}
	// A command taking a list (exec's COMMAND ARGS..., hook's files) reads
	// whatever follows as its own.
	if !strings.Contains(cmd.ArgsUsage, "...") {
		for _, a := range args {
			if strings.HasPrefix(a, "-") && a != "-" {
				if _, err := strconv.Atoi(a); err == nil {
					return fmt.Errorf("%q: a negative number is not a version or a count", a)
				}
				return fmt.Errorf("flag %s comes after the arguments, where it is not read: put flags before arguments", a)
			}
		}
	}
	for _, f := range cmd.Flags {
		if d, ok := f.(*cli.DurationFlag); ok && c.IsSet(d.Name) && c.Duration(d.Name) < 0 {
			return fmt.Errorf("--%s %s: a duration cannot be negative", d.Name, c.Duration(d.Name))
		}
	}
	return nil
}

// commandPath is the command line that names c's command, as a user types
// it: "dbguard migrate up". urfave/cli names the root command after the
// app, so c.Command.Name alone printed "dbguard dbguard --help" for a bad
// top-level flag and "dbguard up --help" for one of migrate up.
func commandPath(c *cli.Context) string {
	var names []string
	for _, ctx := range c.Lineage() {
		if ctx.Command != nil && ctx.Command.Name != "" && ctx.Command.Name != c.App.Name {
			names = append([]string{ctx.Command.Name}, names...)
		}
	}
	return strings.Join(append([]string{c.App.Name}, names...), " ")
}

// learnFirst makes every command that reads the project learn its
// passwords before it runs. The text safety net (output.Redactor,
// dburl.RedactText) masks by pattern, which misses a password printed bare:
// by an exec child, in a server's RAISE message, as JSON. So every password
// dbguard reads is registered with dburl.AddSecret before a command writes
// anything, and masked as a literal too.
func learnFirst(cmds []*cli.Command) {
	for _, cmd := range cmds {
		learnFirst(cmd.Subcommands)
		action := cmd.Action
		if action == nil || !hasFlag(cmd, "config") {
			continue
		}
		cmd.Action = func(c *cli.Context) error {
			learnProject(c)
			return action(c)
		}
	}
}

// hasFlag reports whether cmd has a flag called name. The wrappers ask
// it of every command at every start (about a hundred flags looked at).
func hasFlag(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		if flagNamed(f, name) {
			return true
		}
	}
	return false
}

// flagNamed reports whether name is one of f's names, as f.Names() says,
// without its cost: urfave/cli's FlagNames runs a regular expression over
// each name (its v1 migration warning), ~3,000 instructions a call, 2% of
// a no-op migrate up's (TestFlagNamedAsNames holds the two together).
func flagNamed(f cli.Flag, name string) bool {
	var n string
	var aliases []string
	switch f := f.(type) {
	case *cli.BoolFlag:
		n, aliases = f.Name, f.Aliases
	case *cli.StringFlag:
		n, aliases = f.Name, f.Aliases
	case *cli.DurationFlag:
		n, aliases = f.Name, f.Aliases
	case *cli.IntFlag:
		n, aliases = f.Name, f.Aliases
	default:
		return slices.Contains(f.Names(), name)
	}
	return n == name || slices.Contains(aliases, name)
}

// learnProject registers the passwords the command reads outside the env
// guard: the shadow server's URL (the environment variable schema.shadow_url
// names) and schema diff's arguments. The env files' and
// the process environment's URLs register themselves as envcheck judges
// them, before the command writes anything (reading the project a second
// time here cost 70 ms per 1,000 env files).
func learnProject(c *cli.Context) {
	cfg, err := loadConfig(c)
	if err != nil {
		return
	}
	if u := cfg.Schema.ShadowServer(); u != "" {
		learnString(u)
	}
	if c.Command.Name == "diff" {
		// schema diff's arguments: env files or connection strings.
		for _, arg := range c.Args().Slice() {
			if data, err := os.ReadFile(arg); err == nil {
				defs, _ := envcheck.ParseFile(arg, data)
				for _, d := range defs {
					learnString(d.Value)
				}
			}
		}
	}
}

// learnArgs registers the password of every argument, or --flag=value,
// that is a connection string.
func learnArgs(args []string) {
	for _, a := range args {
		learnString(a)
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			learnString(v)
		}
	}
}

// learnEnviron registers the password of every environment variable that
// holds a connection string, whatever its name, and the value of every one
// named as a password (PGPASSWORD), used by a URL or not, or as another
// secret (GITHUB_TOKEN): an env file's ${GITHUB_TOKEN} puts it in a URL
// that dbguard shows.
func learnEnviron(environ []string) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if dburl.EnvironSecret(k, v) {
				dburl.AddSecret(v)
			}
			learnString(v)
		}
	}
}

func learnString(s string) {
	if strings.Contains(s, "://") || strings.Contains(s, "=") {
		if u, err := dburl.Parse(s); err == nil {
			learnURL(u)
		} else {
			dburl.AddUnparsedSecrets(s)
		}
	}
}

// learnURL registers u's password, and the one the driver would complete
// it with.
func learnURL(u *dburl.URL) {
	if u == nil {
		return
	}
	dburl.AddURLSecrets(u)
	if full, _, err := u.Complete(dburl.ProcessEnvironment()); err == nil {
		dburl.AddURLSecrets(full)
	}
}

// helpCommand is dbguard help [COMMAND...]. urfave/cli's own help command
// shows only the first level (dbguard help migrate up showed migrate's).
func helpCommand() *cli.Command {
	return &cli.Command{
		Name: "help", Usage: "show the help of dbguard or of a command", ArgsUsage: "[COMMAND...]",
		SkipFlagParsing: true,
		Action:          func(c *cli.Context) error { return helpRequest(c.Args().Slice()) },
	}
}

// helpRequest asks run to show the help of the command named by its words.
type helpRequest []string

func (h helpRequest) Error() string { return "help requested" }

func onUsageError(c *cli.Context, err error, _ bool) error {
	// "goto -1": the flag parser reads a negative number as a flag.
	if n, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		if _, aerr := strconv.Atoi(n); aerr == nil {
			err = fmt.Errorf("%q: a negative number is not a version or a count", "-"+n)
		}
	}
	return usageError{fmt.Errorf("%w (run: %s --help)", err, commandPath(c))}
}
