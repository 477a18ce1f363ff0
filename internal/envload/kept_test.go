package envload

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// readingShown is everything a caller sees of a reading but Same.
func readingShown(r *Reading) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dir %q caller %q mode %q files %q noenv %v err %v\n", r.Dir, r.Caller, r.Mode, r.Files, r.NoEnv, r.Err)
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "skip %+v\n", s)
	}
	for _, d := range r.Defs {
		fmt.Fprintf(&b, "def %+v\n", d)
	}
	vars := map[string]Value{}
	for k, v := range r.Variables() {
		vars[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		v, ok := r.Var(k) // a rebased reading's own lookup, not its range
		if !ok || v.Value != vars[k].Value || v.Def != vars[k].Def {
			fmt.Fprintf(&b, "var %s: Var disagrees with Variables\n", k)
		}
		fmt.Fprintf(&b, "var %s=%q refs %q command %v", k, v.Value, v.Refs, v.Command)
		if v.Def != nil {
			fmt.Fprintf(&b, " def %+v", *v.Def)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestKeptReadingsAgree checks the claim Read's second memo rests on (see
// keptSignature): a loader reading plain files whose kept definitions are
// another folder's, line for line, reads what that folder read with the
// paths swapped. Every loader runs in every folder of random trees, on an
// input shared by all folders (as readAll does), and again on one without
// that memo; the readings must agree.
func TestKeptReadingsAgree(t *testing.T) {
	const url = "postgres://app:pw@db.internal:5432/app"
	kept := []string{
		"DATABASE_URL=" + url,
		"DATABASE_URL=postgres://app:pw@DB.internal/app",
		"DIRECT_URL=" + url,
		"PGHOST=other",
		"DATABASE_URL=" + url + "?sslmode=require",
	}
	names := []string{".env", ".env.local", ".env.development", ".env.development.local", ".env.production", ".env.test"}
	envs := []map[string]string{
		{},
		{"DATABASE_URL": url},            // as a file says: loaders differ on who wins
		{"DATABASE_URL": "postgres://x"}, // another value
		{"DIRECT_URL": ""},               // empty: no shortcut
		{"PGHOST": "h", "PORT": "1"},
	}
	rng := rand.New(rand.NewPCG(26, 7))
	rebased := 0
	for tree := range 60 {
		files := map[string][]byte{}
		var dirs []string
		for f := range 12 {
			dir := fmt.Sprintf("svc%d/app", f)
			if f == 0 {
				dir = "."
			}
			dirs = append(dirs, dir)
			for _, name := range names {
				if rng.IntN(3) == 0 {
					continue
				}
				var b strings.Builder
				for range rng.IntN(2) {
					b.WriteString("# a comment\n")
				}
				fmt.Fprintf(&b, "PORT=%d\n", 3000+f)
				for range 1 + rng.IntN(2) {
					b.WriteString(kept[rng.IntN(2+tree%4)] + "\n")
				}
				if rng.IntN(4) == 0 {
					fmt.Fprintf(&b, "NAME_%d=x\n", f)
				}
				files[join(dir, name)] = []byte(b.String())
			}
		}
		env := envs[tree%len(envs)]
		mode := []string{"development", "production", "test"}[tree%3]
		read := func(rel string) ([]byte, bool, error) {
			data, ok := files[rel]
			return data, ok, nil
		}
		keep := []string{"DATABASE_URL", "DIRECT_URL"}
		shared := &Input{Files: read, Environ: env, Mode: mode, Keep: keep}
		without := &Input{Files: read, Environ: env, Mode: mode, Keep: keep, keptOff: true}
		for _, dir := range dirs {
			for _, l := range Loaders {
				got := Read(l, shared, dir, "")
				want := Read(l, without, dir, "")
				if g, w := readingShown(got), readingShown(want); g != w {
					t.Fatalf("tree %d, env %q, mode %s: %s in %s reads, with the kept memo:\n%s\nwithout:\n%s", tree, env, mode, l.Name, dir, g, w)
				}
				if got.Same == nil && shared.memo != nil && !slices.ContainsFunc(mapValues(shared.kept[l]), func(k keptReading) bool { return k.r == got }) && got.Files != nil {
					rebased++
				}
			}
		}
	}
	if rebased < 200 {
		t.Errorf("only %d readings were another folder's, rebased", rebased)
	}

	// python-dotenv looks upwards: b has no .env and reads the root's,
	// whose kept lines are a's; its reading is the root's folder's, not
	// a's swapped into b.
	files := map[string][]byte{".env": []byte("DATABASE_URL=" + url + "\n"), "a/.env": []byte("DATABASE_URL=" + url + "\n"), "b/.env.local": []byte("X=1\n")}
	read := func(rel string) ([]byte, bool, error) {
		data, ok := files[rel]
		return data, ok, nil
	}
	keep := []string{"DATABASE_URL"}
	shared := &Input{Files: read, Environ: map[string]string{}, Mode: "development", Keep: keep}
	without := &Input{Files: read, Environ: map[string]string{}, Mode: "development", Keep: keep, keptOff: true}
	for _, dir := range []string{"a", "b", "."} {
		for _, l := range Loaders {
			if g, w := readingShown(Read(l, shared, dir, "")), readingShown(Read(l, without, dir, "")); g != w {
				t.Errorf("%s in %s reads, with the kept memo:\n%s\nwithout:\n%s", l.Name, dir, g, w)
			}
		}
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	var out []V
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestTrimmedReadingsAgree: an input whose parses are let go between
// folders (Trim, as envcheck's workers call it) reads every loader in
// every folder as one that keeps them all: a parse is its bytes' and
// dialect's alone. The root's .env, which python-dotenv reads upwards
// from folders without one, is parsed again after a trim; a file of one
// folder named from another (compose's env_file: ../x.env) too.
func TestTrimmedReadingsAgree(t *testing.T) {
	const url = "postgres://app:pw@db.internal:5432/app"
	lines := []string{
		"DATABASE_URL=" + url,
		`DATABASE_URL="postgres://app:${DB_PASSWORD}@db/app"`,
		"DB_PASSWORD='s3cr et'",
		"export DIRECT_URL=" + url + " # comment",
		`MULTI="a` + "\n" + `b"`,
		"PGHOST=other",
		"X=$DATABASE_URL",
		"NOTE=it's",
	}
	rng := rand.New(rand.NewPCG(14, 8))
	files := map[string][]byte{".env": []byte("DATABASE_URL=" + url + "\nPGPORT=5433\n")}
	var dirs []string
	for f := range 30 {
		dir := fmt.Sprintf("svc%02d", f)
		dirs = append(dirs, dir)
		for _, name := range []string{".env", ".env.local", ".env.development", "docker-compose.yml"} {
			if rng.IntN(3) == 0 {
				continue
			}
			if name == "docker-compose.yml" {
				files[dir+"/"+name] = []byte("services:\n  app:\n    env_file:\n      - .env\n      - ../svc00/.env\n")
				continue
			}
			var b strings.Builder
			for range 20 + rng.IntN(40) {
				b.WriteString(lines[rng.IntN(len(lines))] + "\n")
			}
			files[dir+"/"+name] = []byte(b.String())
		}
	}
	read := func(rel string) ([]byte, bool, error) {
		data, ok := files[rel]
		return data, ok, nil
	}
	for _, keep := range [][]string{nil, {"DATABASE_URL", "DIRECT_URL"}} {
		trimmed := &Input{Files: read, Environ: map[string]string{}, Mode: "development", Keep: keep, trimAt: 512}
		whole := &Input{Files: read, Environ: map[string]string{}, Mode: "development", Keep: keep}
		trims := 0
		for _, dir := range dirs {
			if trimmed.parsedBytes > 512 {
				trims++
			}
			trimmed.Trim()
			for _, l := range Loaders {
				got, want := readingShown(Read(l, trimmed, dir, dir)), readingShown(Read(l, whole, dir, dir))
				if got != want {
					t.Fatalf("keep %q: %s in %s reads, trimmed:\n%s\nwhole:\n%s", keep, l.Name, dir, got, want)
				}
			}
		}
		if trims < 10 {
			t.Errorf("keep %q: only %d trims", keep, trims)
		}
		if trimmed.parsedBytes >= whole.parsedBytes {
			t.Errorf("keep %q: trimmed input holds parses of %d bytes, the whole one %d", keep, trimmed.parsedBytes, whole.parsedBytes)
		}
	}
}
