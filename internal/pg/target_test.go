package pg

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgVars are the variables libpq and pgx read; each case starts with none.
var pgVars = []string{"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
	"PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGSSLMODE", "PGOPTIONS", "PGAPPNAME"}

// TestAttackTargetIsWhereLibpqConnects holds the database dbguard names
// (Target) and the one it connects to to the one libpq connects to with the
// same string and environment (psql, as psycopg2 and Alembic use it): with
// PGPORT or PGSERVICE set, status named host:5432 while the connection used
// another port, and a hostaddr was ignored (pgx sent it to the server as a
// setting, and dbguard's identity left it out).
func TestAttackTargetIsWhereLibpqConnects(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Fatalf("psql (libpq's client) is needed to check libpq's reading: %v (apt-get install postgresql-client)", err)
	}
	s := pgtest.Must(t)
	name, _ := pgtest.NamedDB(t)
	addrs, err := net.LookupHost(s.Host)
	if err != nil || len(addrs) == 0 {
		t.Fatalf("looking up %s: %v", s.Host, err)
	}
	addr, pw := addrs[0], serverPassword(t, s)
	dir := t.TempDir()
	svcFile := filepath.Join(dir, "pg_service.conf")
	if err := os.WriteFile(svcFile, []byte("[test]\nhost="+s.Host+"\nport="+s.Port+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, url string
		vars      []string
		target    string // what Target must say; $HOST, $ADDR, $PORT, $DB
	}{
		{"PGPORT", "postgres://postgres:" + pw + "@$HOST/$DB?sslmode=disable", []string{"PGPORT=$PORT"}, "$HOST:$PORT/$DB"},
		{"PGSERVICE", "dbname=$DB user=postgres password=" + pw + " sslmode=disable", []string{"PGSERVICE=test", "PGSERVICEFILE=" + svcFile}, "$HOST:$PORT/$DB"},
		{"hostaddr URL", "postgres://postgres:" + pw + "@db.invalid:$PORT/$DB?hostaddr=$ADDR&sslmode=disable", nil, "db.invalid:$PORT/$DB (address $ADDR)"},
		{"hostaddr keyword", "host=db.invalid hostaddr=$ADDR port=$PORT dbname=$DB user=postgres password=" + pw + " sslmode=disable", nil, "db.invalid:$PORT/$DB (address $ADDR)"},
		{"PGHOSTADDR", "postgres://postgres:" + pw + "@db.invalid:$PORT/$DB?sslmode=disable", []string{"PGHOSTADDR=$ADDR"}, "db.invalid:$PORT/$DB (address $ADDR)"},
		{"hostaddr alone", "hostaddr=$ADDR port=$PORT dbname=$DB user=postgres password=" + pw + " sslmode=disable", nil, "$ADDR:$PORT/$DB (address $ADDR)"},
	}
	expand := strings.NewReplacer("$HOST", s.Host, "$ADDR", addr, "$PORT", s.Port, "$DB", name).Replace
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range pgVars {
				t.Setenv(v, "")
				os.Unsetenv(v)
			}
			for _, kv := range tt.vars {
				k, v, _ := strings.Cut(expand(kv), "=")
				t.Setenv(k, v)
			}
			raw := expand(tt.url)
			out, err := exec.Command("psql", raw, "-AtXc", "select host(inet_server_addr()) || ':' || inet_server_port() || '/' || current_database()").CombinedOutput()
			if err != nil {
				t.Fatalf("psql: %v: %s", err, dburl.RedactText(string(out)))
			}
			libpq := strings.TrimSpace(string(out))

			u, err := dburl.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := Target(u), expand(tt.target); got != want {
				t.Errorf("Target = %q, want %q (libpq reached %s)", got, want, libpq)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var ours string
			err = WithConn(ctx, ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second}, func(c *pgx.Conn) error {
				return c.QueryRow(ctx, "select host(inet_server_addr()) || ':' || inet_server_port() || '/' || current_database()").Scan(&ours)
			})
			if err != nil {
				t.Fatalf("dbguard cannot connect where libpq does (%s): %v", libpq, dburl.RedactText(err.Error()))
			}
			if ours != libpq {
				t.Errorf("dbguard connected to %s, libpq to %s", ours, libpq)
			}
		})
	}
}

// serverPassword is the test server's superuser password, URL-safe.
func serverPassword(t *testing.T, s *pgtest.Server) string {
	cfg, err := pgx.ParseConfig(s.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(cfg.Password, "@/:?#% '\\") {
		t.Fatalf("the test server's password needs quoting this test does not do")
	}
	return cfg.Password
}
