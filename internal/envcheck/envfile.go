package envcheck

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/go-envparse"

	"github.com/dbguard/dbguard/internal/output"
)

// Definition is one KEY=value line of an env file, or one variable of the
// process environment (File is then "").
type Definition struct {
	Key   string
	Value string // as go-envparse reads it
	File  string // slash path relative to the project root
	Line  int
	Quote byte // '"' or '\'' when the value was quoted, else 0
}

// Location is file:line, or "environment" for the process environment.
func (d *Definition) Location() string {
	if d.File == "" {
		return "environment"
	}
	// Concatenated, not fmt.Sprintf: the report of 1,000 env files asks
	// for ~5,000 locations, and Sprintf's were 4% of its instructions.
	return output.Escape(d.File) + ":" + strconv.Itoa(d.Line)
}

// ParseError is a malformed env file line.
type ParseError struct{ output.At }

// Hint names the next step.
func (e *ParseError) Hint() string {
	return fmt.Sprintf("fix line %d of %s (KEY=value, quote values with spaces or '#'), then run: dbguard env", e.Line, e.File)
}

// singleQuoteNewline stands for a line break inside a multi-line
// single-quoted value while go-envparse, which has no multi-line values,
// reads it. It is a private-use rune no env file has reason to contain.
const singleQuoteNewline = "\uE000"

// ParseFile reads an env file, keeping the line of every definition:
// go-envparse reports lines only for errors, so each line is handed to it
// alone. name is used in errors. Beyond go-envparse it accepts a UTF-8 BOM,
// CRLF line ends, "export" with any spacing, and values in quotes that span
// lines (as dotenv does); it rejects keys that are not variable names rather
// than checking only their first character.
func ParseFile(name string, data []byte) ([]Definition, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	lines := strings.Split(string(data), "\n")
	var defs []Definition
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		bad := func(format string, args ...any) error {
			return &ParseError{output.At{File: name, Line: lineNo, Msg: fmt.Sprintf(format, args...)}}
		}
		text := strings.TrimSpace(strings.TrimSuffix(lines[i], "\r"))
		if text == "" || text[0] == '#' {
			continue
		}
		keyPart, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, bad("no '=' on this line (want KEY=value)")
		}
		key := strings.TrimSpace(keyPart)
		if f := strings.Fields(key); len(f) == 2 && f[0] == "export" {
			key = f[1]
		}
		if key == "" {
			return nil, bad("nothing before '=' (want KEY=value)")
		}
		if err := checkKey(key); err != "" {
			return nil, bad("%s", err)
		}
		value = strings.TrimSpace(value)
		// A quote left open continues on the following lines.
		var quote byte
		if value != "" && (value[0] == '"' || value[0] == '\'') {
			quote = value[0]
			sep := `\n`
			if quote == '\'' {
				sep = singleQuoteNewline
			}
			// Linear: each line is scanned once, and joined once.
			if !closesQuote(value) {
				parts := []string{value}
				for i+1 < len(lines) {
					i++
					line := strings.TrimSuffix(lines[i], "\r")
					parts = append(parts, line)
					if closesQuote(string(quote) + line) {
						break
					}
				}
				value = strings.Join(parts, sep)
			}
		}
		env, err := envparse.Parse(strings.NewReader(key + "=" + value))
		if err != nil {
			msg := err.Error()
			var pe *envparse.ParseError // has no Unwrap: compare its Err
			if errors.As(err, &pe) {
				msg = pe.Err.Error()
				if pe.Err == envparse.ErrUnmatchedDouble || pe.Err == envparse.ErrUnmatchedSingle {
					msg += " (the quote is never closed)"
				}
			}
			return nil, bad("value of %s: %s", key, msg)
		}
		v := env[key]
		if quote == '\'' {
			v = strings.ReplaceAll(v, singleQuoteNewline, "\n")
		}
		defs = append(defs, Definition{Key: key, Value: v, File: name, Line: lineNo, Quote: quote})
	}
	return defs, nil
}

// checkKey returns why key is not a usable variable name, or "". go-envparse
// also lets '.' and '/' through; no shell or process environment can hold
// such a name, so a line using one is a mistake worth stopping on. The
// text before '=' may hold a secret (KEY: value, KEY value), so the message
// names at most the leading variable name, never the rest.
func checkKey(key string) string {
	for i, c := range key {
		letter := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if letter || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		after := "at the start of the line"
		if i > 0 {
			after = "after " + key[:i]
		}
		switch {
		case c == ' ' || c == '\t':
			return fmt.Sprintf("a space %s, before '=' (want KEY=value)", after)
		case c == ':':
			return fmt.Sprintf("':' %s: write KEY=value, not KEY: value", after)
		}
		return fmt.Sprintf("the name before '=' is not a variable name: an unexpected character %s (use letters, digits and '_', not starting with a digit)", after)
	}
	return ""
}

// closesQuote reports whether the quoted value opened by s[0] is closed.
func closesQuote(s string) bool {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			return true
		}
	}
	return false
}
