package dburl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"github.com/dbguard/dbguard/internal/safefile"
)

// serviceFile is a parsed pg_service.conf. It follows the parser pgx uses
// (github.com/jackc/pgservicefile) rule for rule, and keeps the line of every
// setting so that a completion can say where its value came from.
type serviceFile struct {
	path     string
	services map[string]*service // a later section of the same name wins
}

type service struct {
	name     string
	settings map[string]serviceSetting // keyed by pgx's name: dbname is "database"
}

type serviceSetting struct {
	value string
	line  int
}

// readServiceFile reads and parses the file at path. Like pgx, it rejects
// the whole file when any line is malformed, whichever service is asked for.
// The file is opened without blocking and must be a regular file: a
// repository's env file can name it (servicefile=, PGSERVICEFILE), and a
// FIFO or /dev/stdin there would make dbguard wait for a writer.
func readServiceFile(path string) (*serviceFile, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseServiceFile(path, f)
}

// serviceLineError is a malformed line; it never quotes the line, which may
// hold a password.
type serviceLineError struct {
	line   int
	reason string
}

func (e *serviceLineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }

func parseServiceFile(path string, r io.Reader) (*serviceFile, error) {
	sf := &serviceFile{path: path, services: map[string]*service{}}
	var cur *service
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = &service{name: line[1 : len(line)-1], settings: map[string]serviceSetting{}}
			sf.services[cur.name] = cur
		case cur == nil:
			return nil, &serviceLineError{n, "a setting before the first [service] header"}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, &serviceLineError{n, "not a key=value line"}
			}
			cur.settings[canonicalKey(strings.TrimSpace(k))] = serviceSetting{strings.TrimSpace(v), n}
		}
	}
	if err := sc.Err(); err != nil {
		// bufio.Scanner stops at a line over 64 KiB; pgx then fails too.
		return nil, &serviceLineError{n + 1, "line too long (" + err.Error() + ")"}
	}
	return sf, nil
}

func (sf *serviceFile) names() []string {
	var names []string
	for name := range sf.services {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ServiceError is a connection service that cannot be read: no service file,
// an unreadable or malformed one, or one without the service asked for. It
// never holds a value from the file, which may be a password.
type ServiceError struct {
	Service string // the service name
	From    string // where the name came from: PGSERVICE or the connection string
	File    string // the service file pgx reads; "" when there is none
	Line    int    // the malformed line; 0 unless the file is malformed
	Reason  string
	Known   []string // the services the file defines, when Service is not one
	Err     error    // the I/O error, if any
}

func (e *ServiceError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s (service %q from %s)", e.File, e.Line, e.Reason, e.Service, e.From)
	}
	return fmt.Sprintf("service %q from %s: %s", e.Service, e.From, e.Reason)
}

func (e *ServiceError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *ServiceError) Hint() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("fix line %d of %s: after a [service] header every line is key=value, and comments start with #", e.Line, e.File)
	case e.File == "":
		return "set PGSERVICEFILE to the service file, or HOME so that ~/.pg_service.conf is found"
	case e.Err != nil:
		return fmt.Sprintf("create %s with a [%s] section, or set PGSERVICEFILE to the file that has one (pgx reads only that one file, not libpq's system-wide pg_service.conf)", e.File, e.Service)
	case len(e.Known) > 0:
		return fmt.Sprintf("add a [%s] section to %s, or name one it has (%s) in %s", e.Service, e.File, strings.Join(e.Known, ", "), e.From)
	default:
		return fmt.Sprintf("add a [%s] section to %s", e.Service, e.File)
	}
}

// lookupService finds a service as pgx does: in the one file named by the
// servicefile parameter, PGSERVICEFILE or the default, or not at all.
func lookupService(name, from, path string) (*service, *serviceFile, error) {
	e := &ServiceError{Service: name, From: from, File: path}
	if path == "" {
		e.Reason = "no service file (PGSERVICEFILE is not set, and no home directory to find ~/.pg_service.conf in)"
		return nil, nil, e
	}
	sf, err := readServiceFile(path)
	var le *serviceLineError
	switch {
	case errors.As(err, &le):
		e.Line, e.Reason = le.line, le.reason
		return nil, nil, e
	case errors.Is(err, fs.ErrNotExist):
		e.Reason, e.Err = "the service file "+path+" does not exist", err
		return nil, nil, e
	case err != nil:
		e.Reason, e.Err = "cannot read the service file "+path+": "+errorCause(err), err
		return nil, nil, e
	}
	svc, ok := sf.services[name]
	if !ok {
		e.Reason, e.Known = "no such service in "+path, sf.names()
		return nil, nil, e
	}
	return svc, sf, nil
}

// errorCause is an I/O error without the path that *fs.PathError repeats.
func errorCause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
