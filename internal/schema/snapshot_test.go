package schema

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func sampleSchema(def, key string) *Schema {
	return &Schema{Tables: map[string]*Table{
		key: {Schema: "public", Name: key, Kind: "table",
			Columns:     map[string]*Column{"c": {Type: "numeric(12,2)[]", NotNull: true, Default: def}, key: {Type: "text"}},
			PrimaryKey:  "PRIMARY KEY (c)",
			Unique:      map[string]string{key: def},
			ForeignKeys: map[string]string{}, Checks: map[string]string{"chk": "CHECK ((c > (0)::numeric))"}, Indexes: map[string]string{}},
		"v": {Schema: "public", Name: "v", Kind: "view", Columns: map[string]*Column{}, Definition: " SELECT 1 AS x\n  FROM t;",
			Unique: map[string]string{}, ForeignKeys: map[string]string{}, Checks: map[string]string{}, Indexes: map[string]string{}},
	}}
}

// Whatever a default, definition or name holds, the snapshot reads back to
// the same schema and the fast byte comparison agrees with it.
func FuzzSnapshotScalars(f *testing.F) {
	for _, s := range []string{"nextval('user_id_seq'::regclass)", "0", "true", "'a: b'::text", "x #y", "- z", "{a, b}", "null", "\t", "é ü", "<<", "ARRAY['a'::text]", "yes"} {
		f.Add(s, "user")
	}
	f.Add("now()", "weird key: with spaces")
	f.Fuzz(func(t *testing.T, def, key string) {
		// PostgreSQL sends UTF-8 (pgx sets client_encoding), so names and
		// definitions are always valid UTF-8, and a key (schema.name) is at
		// most 127 bytes (63 each), well under YAML's 1,024 for a key.
		if def == "" || key == "" || key == "v" || len(key) > 127 || !utf8.ValidString(def) || !utf8.ValidString(key) {
			return
		}
		s := sampleSchema(def, key)
		var buf bytes.Buffer
		if err := WriteSnapshot(&buf, s, 7, "fuzz"); err != nil {
			t.Fatal(err)
		}
		snap, err := ParseSnapshot("fuzz.yaml", buf.Bytes())
		if err != nil {
			t.Fatalf("snapshot does not parse back: %v\n%s", err, buf.String())
		}
		if d := Compare(Side{"snapshot", snap.Schema}, Side{"live", s}); len(d) != 0 {
			t.Fatalf("round trip changed %s\n%s", d[0].Message, buf.String())
		}
		if !SnapshotMatches(buf.Bytes(), s, 7) || SnapshotMatches(buf.Bytes(), s, 8) {
			t.Fatal("SnapshotMatches disagrees")
		}
	})
}
