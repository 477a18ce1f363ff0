package migrate

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// scanLedger is how ledger.read read the ledger before it parsed the rows
// itself: database/sql's Rows and Scan over the same query.
func scanLedger(ctx context.Context, db *sql.DB, table string) ([]Entry, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, version, name, direction, file, checksum, transactional, out_of_order,
	version_before, version_dirty, version_after, state, `+utcText("started_at")+`, `+utcText("finished_at")+`,
	`+utcText("committed_at")+`, db_user, client_host, dbguard_version, error, error_line FROM `+table+` ORDER BY id`,
		pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var after sql.NullInt64
		var started string
		var finished, committed sql.NullString
		if err := rows.Scan(&e.ID, &e.Version, &e.Name, &e.Direction, &e.File, &e.Checksum, &e.Transactional, &e.OutOfOrder,
			&e.VersionBefore, &e.VersionDirty, &after, &e.State, &started, &finished, &committed, &e.DBUser, &e.Host,
			&e.Tool, &e.Error, &e.ErrorLine); err != nil {
			return nil, err
		}
		if e.StartedAt, err = parseUTC(started); err != nil {
			return nil, err
		}
		for _, t := range []struct {
			s   sql.NullString
			out **time.Time
		}{{finished, &e.FinishedAt}, {committed, &e.Committed}} {
			if t.s.Valid {
				v, err := parseUTC(t.s.String)
				if err != nil {
					return nil, err
				}
				*t.out = &v
			}
		}
		if after.Valid {
			v := int(after.Int64)
			e.VersionAfter = &v
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// TestLedgerReadParsesAsScan: the ledger read from the wire is the ledger
// database/sql's Scan reads, entry for entry, over real runs (applied, a
// failure, its recovery) and rows written by hand with the values a
// parser gets wrong: NULLs, the largest ids and versions, negative
// versions, text with quotes, tabs, newlines, backslashes and non-ASCII,
// empty strings, times with and without microseconds.
func TestLedgerReadParsesAsScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir, _ := migrated(t, map[string]string{
		"000001_a.up.sql": "CREATE TABLE a (id int);",
		"000002_b.up.sql": "CREATE TABLE b (id int);",
	})
	write(t, dir, "000003_c.up.sql", "CREATE TABLE c (id int);\nSELECT 1/0;")
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); err == nil {
		t.Fatal("a failing file applied")
	}
	if err := r.Force(2); err != nil {
		t.Fatal(errorText(err))
	}
	exec(t, dbURL, `INSERT INTO public.dbguard_migrations (id, version, name, direction, file, checksum, transactional,
		out_of_order, version_before, version_dirty, version_after, state, started_at, finished_at, committed_at, db_user,
		client_host, dbguard_version, error, error_line) VALUES
		(9223372036854775806, 9223372036854775807, 'x''y "z"	tab', 'up', 'dir\sub\f.sql', '', false, true,
		 -1, -2, NULL, 'running', '2001-02-03 04:05:06+00', NULL, NULL, 'ünï', '', '', E'line 1\nline 2 \\ é', 2147483647),
		(9223372036854775807, -5, '', 'force', '', 'abc', true, false, 0, 0, -9223372036854775808, 'forced',
		 '1999-12-31 23:59:59.999999+00', '2000-01-01 00:00:00.5+00', '2000-01-01 00:00:01+00', '', 'h', 'v', '', -1)`)
	got, exists, err := r.ledger.read(ctx)
	if err != nil || !exists {
		t.Fatalf("read: %v, exists %v", err, exists)
	}
	want, err := scanLedger(ctx, r.db, r.ledger.table)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 5 {
		t.Fatalf("the ledger holds %d entries, want at least 5", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w any
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("entry %d:\n read %+v\n scan %+v", i, g, w)
			}
		}
	}
}

// parseUTC's hand reading agrees with time.Parse of utcLayout: the same
// time, or an error where it errs.
func TestParseUTCAsTimeParse(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"2026-12-07T13:45:01.123456", "2024-02-29T00:00:00.000000", "2023-02-29T00:00:00.000000",
		"2026-04-31T10:00:00.000000", "2026-12-31T23:59:59.999999", "0001-01-01T00:00:00.000000",
		"2026-13-01T00:00:00.000000", "2026-00-10T00:00:00.000000", "2026-01-00T00:00:00.000000",
		"2026-01-01T24:00:00.000000", "2026-01-01T23:60:00.000000", "2026-01-01T23:59:60.000000",
		"2026-01-01 00:00:00.000000", "2026-01-01T00:00:00.00000", "12026-01-01T00:00:00.000000",
		"2026-1a-01T00:00:00.000000", "2026-01-01T00:00:00.00000a", "", "2026-01-01T00:00:00.000000Z",
		"1900-02-29T00:00:00.000000", "2000-02-29T12:34:56.000001",
	} {
		checkParseUTC(t, s)
	}
}

func FuzzParseUTCAsTimeParse(f *testing.F) {
	f.Add("2026-12-07T13:45:01.123456")
	f.Add("2023-02-29T00:00:00.000000")
	f.Fuzz(checkParseUTC)
}

func checkParseUTC(t *testing.T, s string) {
	got, err := parseUTC(s)
	want, werr := time.ParseInLocation(utcLayout, s, time.UTC)
	if (err != nil) != (werr != nil) {
		t.Fatalf("%q: error %v, time.Parse's %v", s, err, werr)
	}
	if err == nil && (!got.Equal(want) || got.Location() != time.Local) {
		t.Fatalf("%q: %v, time.Parse reads %v", s, got, want)
	}
}

// BenchmarkParseUTC: the ledger's times, read by hand and by time.Parse
// (three per row, 900 on a no-op up of 300 applied files).
func BenchmarkParseUTC(b *testing.B) {
	const s = "2026-12-07T13:45:01.123456"
	b.Run("parseUTC", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseUTC(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("time.Parse", func(b *testing.B) {
		for b.Loop() {
			t, err := time.ParseInLocation(utcLayout, s, time.UTC)
			if err != nil {
				b.Fatal(err)
			}
			_ = t.Local()
		}
	})
}
