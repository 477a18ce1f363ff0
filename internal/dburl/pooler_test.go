package dburl

import (
	"testing"
)

func TestClassify(t *testing.T) {
	rules := []Rule{
		{Name: "office", Host: "*.pgbouncer.internal", Port: "6432", DirectHost: "primary.db.internal", DirectPort: "5432"},
		{Name: "local", Host: "127.0.0.1", Port: "16432", DirectPort: "15432"},
	}
	tests := []struct {
		name, in   string
		kind       Kind
		provider   string
		wantDirect string // String() of the direct URL, password included
		wantID     string
	}{
		{
			name:       "neon pooled keeps region, params and a -pooler password",
			in:         "postgresql://app:my-pooler-pw@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require",
			kind:       Pooled,
			provider:   "neon",
			wantDirect: "postgresql://app:my-pooler-pw@ep-old-lake-ahgffap2.us-east-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require",
			wantID:     "ep-old-lake-ahgffap2.us-east-1.aws.neon.tech:5432/neondb",
		},
		{
			name:       "neon cell and port, database named -pooler",
			in:         "postgres://app:pw@ep-x-1-pooler.c-2.eu-central-1.aws.neon.tech:5432/shop-pooler?sslmode=require",
			kind:       Pooled,
			provider:   "neon",
			wantDirect: "postgres://app:pw@ep-x-1.c-2.eu-central-1.aws.neon.tech:5432/shop-pooler?sslmode=require",
			wantID:     "ep-x-1.c-2.eu-central-1.aws.neon.tech:5432/shop-pooler",
		},
		{
			name:       "neon options endpoint parameter",
			in:         "postgres://app:pw@ep-a-pooler.us-east-2.aws.neon.tech/db?options=endpoint%3Dep-a-pooler",
			kind:       Pooled,
			provider:   "neon",
			wantDirect: "postgres://app:pw@ep-a.us-east-2.aws.neon.tech/db?options=endpoint%3Dep-a",
			wantID:     "ep-a.us-east-2.aws.neon.tech:5432/db",
		},
		{
			name:       "neon direct",
			in:         "postgresql://app:pw@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb",
			kind:       Direct,
			wantDirect: "postgresql://app:pw@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb",
			wantID:     "ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech:5432/neondb",
		},
		{
			name:       "neon keyword/value",
			in:         "host=ep-a-pooler.us-east-2.aws.neon.tech dbname=db user=app password=pw sslmode=require",
			kind:       Pooled,
			provider:   "neon",
			wantDirect: "host=ep-a.us-east-2.aws.neon.tech dbname=db user=app password=pw sslmode=require",
			wantID:     "ep-a.us-east-2.aws.neon.tech:5432/db",
		},
		{
			name:       "supabase transaction pooler",
			in:         "postgresql://postgres.abcdefghijkl:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres?pgbouncer=true",
			kind:       Pooled,
			provider:   "supabase",
			wantDirect: "postgresql://postgres:pw@db.abcdefghijkl.supabase.co:5432/postgres?pgbouncer=true",
			wantID:     "db.abcdefghijkl.supabase.co:5432/postgres",
		},
		{
			name:     "supabase pooler without project ref",
			in:       "postgresql://postgres:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres",
			kind:     PooledUnknown,
			provider: "supabase",
		},
		{
			name:       "user rule with glob",
			in:         "postgres://app:pw@eu.pgbouncer.internal:6432/app",
			kind:       Pooled,
			provider:   "rule office",
			wantDirect: "postgres://app:pw@primary.db.internal:5432/app",
			wantID:     "primary.db.internal:5432/app",
		},
		{
			name:       "user rule keeping the host",
			in:         "postgres://app:pw@127.0.0.1:16432/app",
			kind:       Pooled,
			provider:   "rule local",
			wantDirect: "postgres://app:pw@127.0.0.1:15432/app",
			wantID:     "127.0.0.1:15432/app",
		},
		{
			name:       "user rule, port as keyword",
			in:         "host=127.0.0.1 port=16432 dbname=app",
			kind:       Pooled,
			provider:   "rule local",
			wantDirect: "host=127.0.0.1 port=15432 dbname=app",
			wantID:     "127.0.0.1:15432/app",
		},
		{name: "port 6543", in: "postgres://app:pw@db.example.com:6543/app", kind: PooledUnknown},
		{name: "port 6432", in: "postgres://app:pw@db.example.com:6432/app", kind: PooledUnknown},
		{name: "pgbouncer=true", in: "postgres://app:pw@db.example.com/app?pgbouncer=true", kind: PooledUnknown},
		{name: "not neon", in: "postgres://app:pw@ep-a-pooler.example.com/app", kind: PooledUnknown},
		{
			name:       "plain direct",
			in:         "postgres://app:pw@db.example.com/app",
			kind:       Direct,
			wantDirect: "postgres://app:pw@db.example.com/app",
			wantID:     "db.example.com:5432/app",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustParse(t, tt.in)
			ep := Classify(u, rules)
			if ep.Kind != tt.kind || ep.Provider != tt.provider {
				t.Fatalf("Classify = %s/%q (%s), want %s/%q", ep.Kind, ep.Provider, ep.Reason, tt.kind, tt.provider)
			}
			if ep.Kind != Direct && ep.Reason == "" {
				t.Errorf("no reason given for %s", ep.Kind)
			}
			if tt.kind == PooledUnknown {
				if ep.Direct != nil {
					t.Errorf("Direct = %q, want nil", ep.Direct.Redacted())
				}
				return
			}
			if got := ep.Direct.String(); got != tt.wantDirect {
				t.Errorf("Direct\n got %q\nwant %q", got, tt.wantDirect)
			}
			if got := ep.Direct.Identity().String(); got != tt.wantID {
				t.Errorf("Identity = %q, want %q", got, tt.wantID)
			}
			if u.String() != tt.in {
				t.Errorf("Classify changed its input: %q", u.String())
			}
		})
	}
}

// TestSameDatabase is the rule the env guard relies on: pooled and direct
// spellings, parameters and credentials do not change which database a URL
// names; host, port and database name do.
func TestSameDatabase(t *testing.T) {
	id := func(s string) Identity {
		ep := Classify(mustParse(t, s), nil)
		if ep.Direct == nil {
			t.Fatalf("no direct URL for %q", s)
		}
		return ep.Direct.Identity()
	}
	same := [][2]string{
		{"postgresql://app:a@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require",
			"postgres://other:b@EP-OLD-LAKE-AHGFFAP2.us-east-1.aws.neon.tech:5432/neondb"},
		{"postgres://app@localhost/app", "host=localhost port=5432 dbname=app user=someone"},
		{"postgres://app@localhost", "postgres://app@localhost:5432/app"},
	}
	for _, p := range same {
		if id(p[0]) != id(p[1]) {
			t.Errorf("%q and %q should name the same database: %v vs %v", p[0], p[1], id(p[0]), id(p[1]))
		}
	}
	different := [][2]string{
		{"postgresql://app:a@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb",
			"postgresql://app:a@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb"},
		{"postgres://app@localhost/app", "postgres://app@localhost:5433/app"},
		{"postgres://app@localhost/app", "postgres://app@localhost/app2"},
	}
	for _, p := range different {
		if id(p[0]) == id(p[1]) {
			t.Errorf("%q and %q should name different databases", p[0], p[1])
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"postgresql://app:pw@ep-a-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require",
		"postgres://u:p@[::1]:5432,h2/db?options=endpoint%3Dep-a-pooler",
		"host=h port=6432 dbname='a b' password='x\\'y'",
		"postgresql://postgres.ref:pw@aws-0-eu.pooler.supabase.com:6543/postgres",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		red := u.Redacted()
		if pw := u.Password(); pw != "" {
			// The redacted form must not depend on the password: with
			// another password in its place it is the same text. (Its
			// characters may also occur in another value, application_name
			// = ' 0000' beside password=000', so a search for them is no
			// test.)
			other := u.Clone()
			other.setParam("password", "Zq9-other")
			if other.rawPassword != "" {
				other.rawPassword = "Zq9-other"
			}
			if got := other.Redacted(); got != red {
				t.Fatalf("Redacted() shows the password: %q, with another password %q", red, got)
			}
		}
		again, err := Parse(u.String())
		if err != nil {
			t.Fatalf("String() %q does not parse again: %v", u.String(), err)
		}
		if again.Identity() != u.Identity() {
			t.Fatalf("identity changed on round trip: %v vs %v", again.Identity(), u.Identity())
		}
		ep := Classify(u, []Rule{{Name: "r", Port: "6432", DirectPort: "5432"}})
		if ep.Direct != nil {
			if _, err := Parse(ep.Direct.String()); err != nil {
				t.Fatalf("direct URL %q does not parse: %v", ep.Direct.String(), err)
			}
		}
	})
}
