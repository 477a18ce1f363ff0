package schema

import (
	"bytes"
	"fmt"
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

// From splitMatchTables on, SnapshotMatches compares two halves at once;
// its answer must be the one-pass comparison's for any file: the body
// itself, and the body changed in either half, at the cut, by a table
// more or less, or with the second half's key line put in early.
func TestSnapshotMatchesInHalvesAsInOnePass(t *testing.T) {
	t.Parallel()
	s := &Schema{Tables: map[string]*Table{}}
	for i := 0; i < splitMatchTables+201; i++ {
		key := fmt.Sprintf("t_%d", i)
		s.Tables[key] = &Table{Schema: "public", Name: key, Kind: "table",
			Columns:    map[string]*Column{"id": {Type: "bigint", NotNull: true}, "note": {Type: "text"}},
			PrimaryKey: "PRIMARY KEY (id)", Unique: map[string]string{}, ForeignKeys: map[string]string{}, Checks: map[string]string{},
			Indexes: map[string]string{key + "_note": "CREATE INDEX " + key + "_note ON public." + key + " USING btree (note)"}}
	}
	var buf bytes.Buffer
	if err := WriteSnapshot(&buf, s, 3, "test"); err != nil {
		t.Fatal(err)
	}
	body := buf.Bytes()
	onePass := func(data []byte, v int) bool {
		for bytes.HasPrefix(data, []byte("#")) {
			data = data[bytes.IndexByte(data, '\n')+1:]
		}
		m := &matcher{want: data}
		writeSnapshotBody(m, s, v)
		return !m.mismatch && len(m.want) == 0
	}
	keys := s.Keys()
	cut := []byte("\n  " + keys[len(keys)/2] + ":\n")
	at := bytes.Index(body, cut)
	if at < 0 {
		t.Fatal("no key line for the second half")
	}
	with := func(i int, old, new string) []byte {
		out := append([]byte(nil), body[:i]...)
		if !bytes.HasPrefix(body[i:], []byte(old)) {
			t.Fatalf("%q is not at %d", old, i)
		}
		out = append(out, new...)
		return append(out, body[i+len(old):]...)
	}
	first := bytes.Index(body, []byte("\n  t_1:\n"))
	cases := map[string][]byte{
		"the body":                    body,
		"a change in the first half":  with(bytes.Index(body, []byte("bigint")), "bigint", "bigint[]"),
		"a change in the second half": with(bytes.LastIndex(body, []byte("bigint")), "bigint", "integer"),
		"a change at the cut":         with(at, "\n  ", "\n   "),
		"the cut's key line early":    with(first, "\n", string(cut)),
		"the key line twice":          append(append([]byte(nil), body...), cut[1:]...),
		"a table less":                body[:at+1],
		"a table more":                append(append([]byte(nil), body...), "  zz:\n    columns: {}\n"...),
		"nothing after the header":    []byte("version: 1\nmigration_version: 3\ntables:\n"),
	}
	for name, data := range cases {
		for _, v := range []int{3, 4} {
			if got, want := SnapshotMatches(data, s, v), onePass(data, v); got != want {
				t.Errorf("%s at version %d: SnapshotMatches %v, one pass %v", name, v, got, want)
			}
		}
	}
	if !SnapshotMatches(body, s, 3) {
		t.Error("the body itself does not match")
	}
}
