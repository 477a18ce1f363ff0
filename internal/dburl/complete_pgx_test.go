package dburl

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// pgxTarget is what pgx connects to, as far as it decides which database
// that is.
type pgxTarget struct {
	hosts, ports   []string
	database, user string
	password       string
}

// setProcessEnv makes vars the only PG* variables.
func setProcessEnv(t *testing.T, vars []string) {
	t.Helper()
	for _, v := range envVars {
		t.Setenv(v.name, "") // restored after the test
		os.Unsetenv(v.name)
	}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func pgxParse(s string) (pgxTarget, error) {
	cfg, err := pgconn.ParseConfig(s)
	if err != nil {
		return pgxTarget{}, err
	}
	tg := pgxTarget{database: cfg.Database, user: cfg.User, password: cfg.Password}
	all := append([]*pgconn.FallbackConfig{{Host: cfg.Host, Port: cfg.Port, TLSConfig: cfg.TLSConfig}}, cfg.Fallbacks...)
	for i := 0; i < len(all); i++ {
		f := all[i]
		tg.hosts, tg.ports = append(tg.hosts, f.Host), append(tg.ports, strconv.Itoa(int(f.Port)))
		// sslmode=prefer or allow tries a TCP host twice, with and without
		// TLS: one host for dbguard.
		if i+1 < len(all) && all[i+1].Host == f.Host && all[i+1].Port == f.Port && (all[i+1].TLSConfig == nil) != (f.TLSConfig == nil) {
			i++
		}
	}
	return tg, nil
}

func ourTarget(u *URL) pgxTarget {
	tg := pgxTarget{database: u.Database(), user: u.User(), password: u.Password()}
	for _, h := range u.Hosts() {
		n, _ := strconv.Atoi(portOrDefault(h.Port)) // pgx reads 05432 as 5432
		tg.hosts, tg.ports = append(tg.hosts, h.Name), append(tg.ports, strconv.Itoa(n))
	}
	return tg
}

// TestCompleteAgreesWithPgx is what keeps Complete honest: for each
// environment, pgx's own ParseConfig of the original string must connect
// where the completed string says, and so must pgx's ParseConfig of the
// completed string in an empty environment.
func TestCompleteAgreesWithPgx(t *testing.T) {
	svc := "[prod]\nhost=svc.example.com\nport=6543\ndbname=shop\nuser=svcuser\npassword=Svc-Secr3t\napplication_name=svcapp\n\n" +
		"[hostonly]\nhost = a.example.com,b.example.com\n\n[empty]\n\n[empties]\nuser=\npassword=\ndbname=\nport=\nhost=\n"
	tests := []struct {
		in   string
		vars []string // $DIR is a directory holding pg_service.conf
		home bool     // the service file is ~/.pg_service.conf instead
	}{
		{in: "postgres://u:Url-Secr3t@h:5432", vars: []string{"PGDATABASE=other"}},
		{in: "postgres:///db", vars: []string{"PGHOST=envhost", "PGPORT=6000", "PGUSER=envuser", "PGPASSWORD=Env-Secr3t"}},
		{in: "postgres://h/db", vars: []string{"PGPORT=6001"}},
		{in: "postgres://u@h:5432/db", vars: []string{"PGHOST=x", "PGPORT=1", "PGDATABASE=y", "PGUSER=z"}},
		{in: "postgres://u@a,b:5433/db", vars: []string{"PGPORT=7000"}},
		{in: "postgres://u@a,b/db", vars: []string{"PGPORT=7000,7001,7002"}},
		{in: "postgres:///db", vars: []string{"PGHOST=a,b", "PGPORT=1,2"}},
		{in: "postgres:///db", vars: []string{"PGHOST=a,,b"}},
		{in: "postgres://u@:5433/db", vars: []string{"PGHOST=a,b"}},
		{in: "postgres://u@a:5433/db?host=b", vars: []string{"PGPORT=7000"}},
		{in: "postgres://u@h/db?port=", vars: []string{"PGPORT=6000"}},
		{in: "postgres://"},
		{in: "postgres://", vars: []string{"PGUSER=envuser"}},
		{in: "postgres://h/?dbname=", vars: []string{"PGDATABASE=other"}},
		{in: "postgres://h/x?user=", vars: []string{"PGUSER=envuser"}},
		{in: "postgres://h/?database=alias", vars: []string{"PGDATABASE=other"}},
		{in: "postgres://:Url-Secr3t@h/db", vars: []string{"PGUSER=envuser"}},
		{in: "postgres://u:@h/db", vars: []string{"PGPASSWORD=Env-Secr3t"}},
		{in: "postgres://h/db?sslmode=disable", vars: []string{"PGAPPNAME=myapp", "PGSSLMODE=require"}},
		{in: "postgres://u@/db?host=/var/run/postgresql"},
		{in: "dbname=app", vars: []string{"PGHOST=h", "PGPORT=5999", "PGUSER=u"}},
		{in: "host=h dbname=app user=''", vars: []string{"PGUSER=envuser"}},
		{in: "host=h dbname=''", vars: []string{"PGDATABASE=other", "PGUSER=u"}},
		{in: "host=h,", vars: []string{"PGPORT=5,6"}},
		{in: "postgres:///app", vars: []string{"PGSERVICE=prod", "PGSERVICEFILE=$DIR/pg_service.conf", "PGHOST=envhost"}},
		{in: "postgres://u:Url-Secr3t@/db?service=prod", vars: []string{"PGSERVICEFILE=$DIR/pg_service.conf"}},
		{in: "postgres://u@/db?service=hostonly", vars: []string{"PGSERVICE=prod", "PGPORT=7000,7001"}, home: true},
		{in: "service=prod dbname=other", home: true},
		{in: "service=empty host=h", vars: []string{"PGSERVICEFILE=$DIR/pg_service.conf", "PGDATABASE=d"}},
		{in: "host=h servicefile=$DIR/pg_service.conf", vars: []string{"PGSERVICE=prod"}},
		{in: "postgres://u:Url-Secr3t@h/db?service=empties", vars: []string{"PGSERVICEFILE=$DIR/pg_service.conf",
			"PGUSER=envuser", "PGPASSWORD=Env-Secr3t", "PGDATABASE=d", "PGPORT=7000", "PGHOST=envhost"}},
		{in: "postgres:///?service=empties", vars: []string{"PGPASSWORD=Env-Secr3t", "PGDATABASE=d"}, home: true},
		{in: "dbname=x service=empties", vars: []string{"PGPASSWORD=Env-Secr3t", "PGDATABASE=d"}, home: true},
		// pgx fails, and so must Complete.
		{in: "postgres://h/db", vars: []string{"PGSERVICE=nope", "PGSERVICEFILE=$DIR/pg_service.conf"}},
		{in: "postgres://h/db", vars: []string{"PGSERVICE=prod", "PGSERVICEFILE=$DIR/missing.conf"}},
		{in: "postgres://h/db?service=prod"},
		{in: "postgres://h/db", vars: []string{"PGPORT=1,2"}},
		{in: "postgres://h/db", vars: []string{"PGPORT=0"}},
		{in: "postgres:///db", vars: []string{"PGHOST=a,b,c", "PGPORT=1,2"}},
	}
	for _, tt := range tests {
		name := tt.in + " " + strings.Join(tt.vars, " ")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeServiceFile(t, dir, svc)
			vars := make([]string, len(tt.vars))
			for i, v := range tt.vars {
				vars[i] = strings.ReplaceAll(v, "$DIR", dir)
			}
			in := strings.ReplaceAll(tt.in, "$DIR", dir)
			home := t.TempDir()
			t.Setenv("HOME", home)
			setProcessEnv(t, vars)
			if tt.home {
				writeServiceFile(t, home, svc)
				if err := os.Rename(filepath.Join(home, "pg_service.conf"), filepath.Join(home, ".pg_service.conf")); err != nil {
					t.Fatal(err)
				}
			}

			want, pgxErr := pgxParse(in)
			got, cs, err := mustParse(t, in).Complete(ProcessEnvironment())
			if (pgxErr != nil) != (err != nil) {
				t.Fatalf("pgx says %v, Complete says %v", pgxErr, err)
			}
			if err != nil {
				assertNoSecret(t, err.Error())
				return
			}
			if want.database == "" {
				want.database = want.user // the server's default
			}
			if g := ourTarget(got); !equalTargets(g, want) {
				t.Errorf("completed %q\n  is %+v\npgx %+v", got.Redacted(), g, want)
			}
			for _, c := range cs {
				if c.Part == "application_name" {
					cfg, _ := pgconn.ParseConfig(in)
					if cfg.RuntimeParams[c.Part] != c.Value {
						t.Errorf("pgx's %s is %q, completion says %q", c.Part, cfg.RuntimeParams[c.Part], c.Value)
					}
				}
			}

			// The completed string needs nothing from the environment.
			t.Setenv("HOME", t.TempDir())
			setProcessEnv(t, nil)
			again, err := pgxParse(got.String())
			if err != nil {
				t.Fatalf("pgx cannot parse the completed %q: %v", got.Redacted(), err)
			}
			if again.database == "" {
				again.database = again.user
			}
			if !equalTargets(again, want) {
				t.Errorf("pgx reads the completed %q in an empty environment as\n%+v, want\n%+v", got.Redacted(), again, want)
			}
		})
	}
}

func equalTargets(a, b pgxTarget) bool {
	return strings.Join(a.hosts, ",") == strings.Join(b.hosts, ",") && strings.Join(a.ports, ",") == strings.Join(b.ports, ",") &&
		a.database == b.database && a.user == b.user && a.password == b.password
}
