package pg

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// maxMessage is what an error may quote of a driver's message, in bytes.
const maxMessage = 300

// UnreachableError means no connection could be made (exit 3).
type UnreachableError struct {
	Target string // host:port/db, no credentials
	Err    error
	Waited time.Duration
	During string // set when an open connection was lost, e.g. "the migration run"
	File   string // the migration running when it was lost, if known
	// Asked is the connect timeout the URL or dbguard.yaml asked for when
	// Capped (RepositoryConnectTimeout) cut it; 0 when nothing was cut.
	Asked, Capped time.Duration
}

// ExitCode is 3.
func (e *UnreachableError) ExitCode() int { return exitcode.Unreachable }

func (e *UnreachableError) Error() string {
	if e.During != "" {
		during := e.During
		if e.File != "" {
			during += ", in " + e.File
		}
		return fmt.Sprintf("lost the connection to %s during %s: %v", e.Target, during, shortErr(e.Err))
	}
	msg := fmt.Sprintf("cannot reach %s: %v", e.Target, shortErr(e.Err))
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (retried for %s)", e.Waited.Round(time.Second))
	}
	if e.Asked > 0 {
		msg += fmt.Sprintf(" (each attempt waited %s, not the %s the URL's or dbguard.yaml's connect_timeout asks: a timeout the repository sets stops at %s)", e.Capped, e.Asked, e.Capped)
	}
	return msg
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *UnreachableError) Hint() string {
	if e.During != "" {
		return "once the database is back, run: dbguard migrate status (it names the migration left dirty, whether its work was rolled back, and how to recover)"
	}
	// A name that does not resolve stays unresolved however long one
	// waits: often a direct host derived from a pooled one by a rule.
	var dns *net.DNSError
	if errors.As(e.Err, &dns) && dns.IsNotFound {
		return "the host name does not resolve: fix the host in the URL, or for a pooled URL set its direct URL (DIRECT_URL) or a poolers rule in dbguard.yaml; see where each is defined with: dbguard env"
	}
	if e.Asked > 0 {
		return fmt.Sprintf("check that the server is running; to wait %s for it, run the same command with --connect-timeout %s", e.Asked, e.Asked)
	}
	if e.Waited > 0 {
		return "check that the server is running and reachable from here, then run the command again"
	}
	return "check that the server is running; for a server still starting, run the command again with --wait 30s"
}

// RejectedError means the server answered but refused us: a wrong password
// or a database that does not exist (exit 2: the configuration is wrong).
type RejectedError struct {
	Target string
	Err    *pgconn.PgError
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s refused the connection: %s (SQLSTATE %s)", e.Target, e.Err.Message, e.Err.Code)
}

// Hint names the next step.
func (e *RejectedError) Hint() string {
	if e.Err.Code == "3D000" {
		return "create the database or fix its name in the URL, then check with: dbguard env"
	}
	return "fix the user or password in the URL (see: dbguard env for where it is defined)"
}

// PasswordWithheldError means the server asked for a password dbguard
// would have had to send in cleartext or as md5, and the password was the
// environment's (PGPASSWORD, a password or service file), not the
// connection string's: nothing was sent (exit 2: the set-up must change).
type PasswordWithheldError struct {
	Target string
	Why    string // pgx's reason: "server requested MD5 authentication"
	Policy string // the require_auth in force
	Source string // where the password came from
}

func (e *PasswordWithheldError) Error() string {
	return fmt.Sprintf("%s: %s; dbguard did not send the password from %s, which is sent only by SCRAM (the connection string names the host and may be a repository's word, the password is the environment's; require_auth %s)", e.Target, output.Escape(e.Why), e.Source, e.Policy)
}

// ExitCode is 2: the server's or the environment's set-up must change.
func (e *PasswordWithheldError) ExitCode() int { return exitcode.Usage }

// Hint names the fixes, the server's first.
func (e *PasswordWithheldError) Hint() string {
	method, accept := "md5", "md5"
	if strings.Contains(e.Why, "requested password ") {
		method, accept = "a cleartext password", "password"
	}
	return "if " + e.Target + " is your server, make it ask for SCRAM (password_encryption = 'scram-sha-256', set the role's password again, scram-sha-256 in pg_hba.conf: PostgreSQL 14+'s default), or accept " + method + " from it with PGREQUIREAUTH=" + accept + " in the environment; then run the command again"
}

// authPolicyFailed reports whether err is pgx refusing an authentication
// method by require_auth, and its reason. pgx gives the error no type of
// its own: its text follows libpq's ("authentication method requirement
// %q failed: %s"), which TestAttackEnvironmentPasswordToRepositoryHost pins.
func authPolicyFailed(err error) (string, bool) {
	const mark = "authentication method requirement "
	s := err.Error()
	i := strings.Index(s, mark)
	if i < 0 {
		return "", false
	}
	s = s[i+len(mark):]
	if j := strings.Index(s, " failed: "); j >= 0 {
		s = s[j+len(" failed: "):]
	}
	return s, true
}

// passwordSource names where the driver took a password the connection
// string does not carry.
func passwordSource() string {
	if os.Getenv("PGPASSWORD") != "" {
		return "PGPASSWORD"
	}
	return "the password file or service file"
}

func shortErr(err error) string {
	s := err.Error()
	// pgx: "failed to connect to `user=app database=db`: 127.0.0.1:1 (localhost): dial error: ..."
	if i := strings.Index(s, "`: "); i >= 0 && strings.HasPrefix(s, "failed to connect to `") {
		s = s[i+3:]
	}
	return output.Clip(s, maxMessage)
}

// SecretInStartupError: the connection string would send the operator's
// secret (Var's value) in its startup message, in the clear, to a host the
// repository chose (refuseSecretInStartup).
type SecretInStartupError struct {
	Hosts string // the host names the string connects to
	Field string // "user name", "database name", "parameter application_name"
	Var   string // the variable of the process environment holding the secret
}

func (e *SecretInStartupError) Error() string {
	return fmt.Sprintf("the connection string's %s holds the value of %s: dbguard did not connect to %s, which would read it in the clear before any authentication (the connection string names the host and may be a repository's word, the secret is the environment's)", e.Field, e.Var, output.Escape(e.Hosts))
}

// ExitCode is 2: the connection string must change.
func (e *SecretInStartupError) ExitCode() int { return exitcode.Usage }

// Hint names where the string comes from and the fix.
func (e *SecretInStartupError) Hint() string {
	return "put " + e.Var + " in the connection string's password only (postgres://USER:${" + e.Var + "}@HOST/DB); see where the string is defined with: dbguard env"
}
