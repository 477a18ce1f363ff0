package dburl

import (
	"fmt"
	"testing"
)

// TestAttackIdentityHostaddrOptions: two strings differing only in hostaddr
// (which libpq connects to instead of the host name) or in options'
// session settings (search_path: another schema) were "one database".
// Settings that only change timing or logging, and Neon's endpoint= routing
// option, still name one database.
func TestAttackIdentityHostaddrOptions(t *testing.T) {
	const base = "postgres://u:S3cret-x@db.example.com/app"
	tests := []struct {
		a, b string
		same bool
	}{
		{base, base + "?hostaddr=10.0.0.7", false},
		{base + "?hostaddr=10.0.0.7", base + "?hostaddr=10.0.0.8", false},
		{base + "?hostaddr=10.0.0.7", "host=db.example.com hostaddr=10.0.0.7 dbname=app user=u", true},
		{"host=db.example.com dbname=app user=u", "host=db.example.com hostaddr=10.0.0.7 dbname=app user=u", false},
		{base, base + "?options=-csearch_path%3Dother", false},
		{base, base + "?options=-c%20search_path%3Dother", false},
		{base + "?options=-csearch_path%3Dother", base + "?options=--search_path%3Dother", true},
		{base + "?options=-csearch_path%3Da,b", base + "?search_path=a,%20b", true},
		{base, base + "?search_path=other", false},
		{base, base + "?options=-c%20role%3Dadmin", false},
		{base, base + "?options=-c%20default_tablespace%3Dfast", false},
		{base, base + "?options=-c%20statement_timeout%3D5s", true},
		{base, base + "?options=-c%20lock_timeout%3D1s%20-c%20application_name%3Dx", true},
		{base, base + "?options=endpoint%3Dep-x", true},
	}
	for _, tt := range tests {
		a, err := Parse(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Parse(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		if same := a.Identity() == b.Identity(); same != tt.same {
			t.Errorf("%s vs %s: same database = %v, want %v (%s, %s)", a.Redacted(), b.Redacted(), same, tt.same, a.Identity(), b.Identity())
		}
	}
}

// TestHostAddrs pairs hosts with addresses as libpq does, and refuses what
// libpq would.
func TestHostAddrs(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "postgres://h/db", want: "map[]"},
		{in: "postgres://a,b/db?hostaddr=10.0.0.1,", want: "map[a:10.0.0.1]"},
		{in: "host=a,b hostaddr=10.0.0.1,::1 dbname=x", want: "map[a:10.0.0.1 b:::1]"},
		{in: "host=a,b hostaddr=10.0.0.1 dbname=x", err: "1 hostaddr entries for 2 hosts (give one address per host)"},
		{in: "host=a hostaddr=db.example.com dbname=x", err: `hostaddr "db.example.com" is not an IP address (a host name goes in host)`},
		{in: "host=/tmp hostaddr=10.0.0.1 dbname=x", err: "hostaddr 10.0.0.1 is given for a Unix-socket host (name the host, or leave host out)"},
	}
	for _, tt := range tests {
		u, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		m, err := u.HostAddrs()
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: err = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := fmtMap(m); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.in, got, tt.want)
		}
	}
}

func fmtMap(m map[string]string) string {
	if m == nil {
		return "map[]"
	}
	return fmt.Sprint(m)
}
