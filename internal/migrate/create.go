package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CreateOptions says how to name a new migration.
type CreateOptions struct {
	Dir    string
	Name   string
	Seq    bool      // sequence numbers (000001) instead of timestamps
	Digits int       // width of a sequence number; default 6
	Now    time.Time // the timestamp version (UTC, 20060102150405)
}

// TimeFormat is golang-migrate's default timestamp version format.
const TimeFormat = "20060102150405"

// Create writes an empty up and down migration and returns their paths.
// When Seq is false and the folder already uses sequence numbers, it keeps
// to them: mixing styles sorts timestamps after every sequence number.
func Create(o CreateOptions) ([]string, error) {
	name := slug(o.Name)
	if name == "" {
		return nil, errors.New("the migration needs a name of letters or digits, e.g. dbguard migrate create add_users")
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	src, err := Scan(o.Dir)
	if err != nil {
		return nil, err
	}
	digits := o.Digits
	if digits <= 0 {
		digits = 6
	}
	seq := o.Seq
	if !seq && len(src.Migrations) > 0 && src.Last() < 10_000_000 {
		seq = true // the folder is sequence-numbered
	}
	var version string
	if seq {
		version = fmt.Sprintf("%0*d", digits, src.Last()+1)
		if src.Last() < 0 {
			version = fmt.Sprintf("%0*d", digits, 1)
		}
	} else {
		now := o.Now
		if now.IsZero() {
			now = time.Now()
		}
		version = now.UTC().Format(TimeFormat)
		if v, _ := strconv.Atoi(version); v <= src.Last() {
			// Two in one second, or a clock behind the newest file: keep
			// the order, which is what versions are for.
			version = strconv.Itoa(src.Last() + 1)
		}
	}
	var paths []string
	for _, dir := range []string{"up", "down"} {
		p := filepath.Join(o.Dir, fmt.Sprintf("%s_%s.%s.sql", version, name, dir))
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			if errors.Is(err, fs.ErrExist) {
				return paths, fmt.Errorf("%s already exists", p)
			}
			return paths, err
		}
		comment := "-- " + strings.ReplaceAll(name, "_", " ") + ": the change.\n"
		if dir == "down" {
			comment = "-- " + strings.ReplaceAll(name, "_", " ") + ": undo the up migration.\n"
		}
		_, err = f.WriteString(comment)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func slug(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}
