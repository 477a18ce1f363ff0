// Package pyini is what Python's configparser does to a value it reads
// from an INI file (Alembic's alembic.ini, python-decouple's settings.ini):
// BasicInterpolation, %% for a '%' and %(name)s for another option's
// value, bounded by the bytes it may produce. configparser itself builds
// a value for as long as memory lasts: ten levels of names that each name
// the next many times are a file of a few hundred bytes and terabytes of
// value.
package pyini

import "strings"

// MaxDepth is configparser's MAX_INTERPOLATION_DEPTH.
const MaxDepth = 10

// Budget is the bytes the interpolations of one file may produce: 8 MiB
// and 8 times the file, as the env loaders' expansion budget.
func Budget(fileSize int) int { return 8<<20 + 8*fileSize }

// Kind says which of configparser's errors an interpolation raises.
type Kind int

const (
	// Depth: references more than MaxDepth deep (InterpolationDepthError).
	Depth Kind = iota + 1
	// BadReference: "%(" not closed by ")s", or an empty name
	// (InterpolationSyntaxError).
	BadReference
	// Missing: a name that is no option of the section
	// (InterpolationMissingOptionError).
	Missing
	// LonePercent: a '%' followed by neither '%' nor '('
	// (InterpolationSyntaxError).
	LonePercent
	// TooLarge: past the budget (dbguard's own limit, not configparser's).
	TooLarge
)

// Error is an interpolation configparser would refuse, or one past the
// budget. Name is the missing option's (Missing); Rest the value from the
// offending '%' on (BadReference, LonePercent). Neither is escaped.
type Error struct {
	Kind Kind
	Name string
	Rest string
}

func (e *Error) Error() string {
	switch e.Kind {
	case Depth:
		return "the interpolation goes more than 10 deep (InterpolationDepthError)"
	case BadReference:
		return "a bad %(name)s reference (InterpolationSyntaxError)"
	case Missing:
		return "a %(name)s reference names no option of the section (InterpolationMissingOptionError)"
	case LonePercent:
		return "'%' must be followed by '%' or '(' (InterpolationSyntaxError): write a % in a value as %%"
	default:
		return "the %(name)s references expand to more than dbguard reads (8 MiB and 8 times the file): configparser builds it for as long as memory lasts"
	}
}

// Interpolate is BasicInterpolation's before_get of s: values holds the
// section's options (and its defaults) by lower-case name, left the
// bytes every interpolation of the file may still produce (start it at
// Budget).
func Interpolate(values map[string]string, s string, left *int) (string, error) {
	return interpolate(values, s, 1, left)
}

func interpolate(values map[string]string, s string, depth int, left *int) (string, error) {
	if depth > MaxDepth {
		return "", &Error{Kind: Depth}
	}
	if *left -= len(s); *left < 0 {
		return "", &Error{Kind: TooLarge}
	}
	var b strings.Builder
	for s != "" {
		p := strings.IndexByte(s, '%')
		if p < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:p])
		s = s[p:]
		switch {
		case strings.HasPrefix(s, "%%"):
			b.WriteByte('%')
			s = s[2:]
		case strings.HasPrefix(s, "%("):
			// configparser's %\(([^)]+)\)s: the first ')' ends the name.
			end := strings.IndexByte(s, ')')
			if end < 3 || !strings.HasPrefix(s[end:], ")s") {
				return "", &Error{Kind: BadReference, Rest: s}
			}
			name := strings.ToLower(s[2:end])
			s = s[end+2:]
			v, ok := values[name]
			if !ok {
				return "", &Error{Kind: Missing, Name: name}
			}
			if strings.Contains(v, "%") {
				var err error
				if v, err = interpolate(values, v, depth+1, left); err != nil {
					return "", err
				}
			}
			if *left -= len(v); *left < 0 {
				return "", &Error{Kind: TooLarge}
			}
			b.WriteString(v)
		default:
			return "", &Error{Kind: LonePercent, Rest: s}
		}
	}
	return b.String(), nil
}
