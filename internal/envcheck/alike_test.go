package envcheck

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"testing"
)

// alikeBase is a folder's two env files as bench.sh env writes them, the
// port (not a URL variable) its own.
func alikeBase(port int) map[string]string {
	return map[string]string{
		".env":       fmt.Sprintf("PORT=%d\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n", port),
		".env.local": "DATABASE_URL=postgres://app:pw@DB.internal/app\n",
	}
}

// alikeVariants are folders that each differ from alikeBase in one input
// judgeLike's reuse rests on; each must be judged as itself.
var alikeVariants = map[string]map[string]string{
	// the value of a URL variable (another database)
	"value": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw@other.internal:5432/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n"},
	// the value of the direct URL (pooled)
	"direct": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@ep-x-pooler.us-east-2.aws.neon.tech/app\n"},
	// the line a definition is on
	"line": {".env": "PORT=1\n\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n"},
	// a PG* variable the loaders that set the environment pass the driver
	"pgvar": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw@db.internal/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\nPGPORT=5433\n"},
	// a value left empty
	"empty": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=\n"},
	// a variable not set (the process environment's, if any, instead)
	"unset": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\n#\n"},
	// a value that is no connection string
	"unusable": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=not-a-url\n"},
	// another password (password-differs)
	"password": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw2@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n"},
	// a password the linter warns of (a raw '@': Lint, as the judging
	// makes the source)
	"lint": {".env": "PORT=1\nDATABASE_URL=postgres://app:p@w@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n"},
	// another file's name (the loaders reading it differ)
	"file": {".env.local": "", ".env.development.local": "DATABASE_URL=postgres://app:pw@DB.internal/app\n"},
	// the loaders that apply: a manifest naming one
	"manifest": {"package.json": `{"dependencies": {"dotenv": "16.4.5"}}`},
	// a container: a compose file whose service reads the folder's .env
	"compose": {"compose.yaml": "services:\n  app:\n    image: x\n    env_file: .env\n"},
	// a reference the loaders expanding ${...} follow
	"ref": {".env": "PORT=1\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@${HOST}:5432/app\nHOST=db.internal\n"},
}

// alikeTree is copies of alikeBase (enough for each of readAll's workers
// to rebase some from its own first) and the variants, each in its own
// folder.
func alikeTree(t *testing.T, variants map[string]map[string]string) map[string]string {
	files := map[string]string{}
	for i := range 8 {
		for name, body := range alikeBase(3000 + i) {
			files[fmt.Sprintf("same/s%d/%s", i, name)] = body
		}
	}
	for v, over := range variants {
		for i := range 3 {
			// Three of each, so that the variants too are rebased from
			// one another.
			dir := fmt.Sprintf("variant/%s%d", v, i)
			for name, body := range alikeBase(4000 + i) {
				files[dir+"/"+name] = body
			}
			for name, body := range over {
				if body == "" {
					delete(files, dir+"/"+name)
					continue
				}
				files[dir+"/"+name] = body
			}
		}
	}
	return files
}

// shown is everything a report says: text, JSON and warnings.
func shown(t *testing.T, r *Report) string {
	t.Helper()
	var b strings.Builder
	verdict := r.Err(false)
	if err := r.WriteText(&b, verdict); err != nil {
		t.Fatal(err)
	}
	j, err := json.MarshalIndent(r.JSON(verdict), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	b.Write(j)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "\n%s %s: %s", w.Code, w.Location, w.Message)
	}
	return b.String()
}

// withoutAlike resolves with judgeLike off: every reading judged in full.
func withoutAlike(t *testing.T, root string, mutate func(*Options)) *Report {
	t.Helper()
	judgeAlike = false
	defer func() { judgeAlike = true }()
	return mustResolve(t, root, mutate)
}

// Readings judged as the reading of another folder they were rebased from
// (judgeLike) report what judging each in full reports, byte for byte, on
// a tree of folders alike and folders that each differ from them in one
// input: a value, a line, a PG* variable, an empty or unset variable, an
// unusable value, a password, a linted query, a file's name, a manifest,
// a container, a reference; with and without URL variables in the process
// environment (whose sources every folder finds made already). And each
// variant folder is judged as itself: its sources are those of the same
// folder judged alone.
func TestJudgedAlikeAsJudgedInFull(t *testing.T) {
	usable := map[string]map[string]string{}
	for v, over := range alikeVariants {
		if v != "unusable" {
			usable[v] = over
		}
	}
	for _, variants := range []map[string]map[string]string{usable, {"unusable": alikeVariants["unusable"]}} {
		files := alikeTree(t, variants)
		root := tree(t, files)
		for _, env := range [][]string{nil, {"DIRECT_URL=postgres://app:pw@db.internal:5432/app"}, {"PGPORT=5434"}} {
			mutate := func(o *Options) { o.Environ = env }
			alike := 0
			onJudgedAlike = func() { alike++ }
			got, gerr := resolve(t, root, mutate)
			onJudgedAlike = nil
			judgeAlike = false
			want, werr := resolve(t, root, mutate)
			judgeAlike = true
			if alike == 0 {
				t.Fatalf("env %q: no reading judged alike: the test tests nothing", env)
			}
			if gerr != nil || werr != nil {
				if fmt.Sprint(gerr) != fmt.Sprint(werr) {
					t.Errorf("env %q: judged alike: %v; judged in full: %v", env, gerr, werr)
				}
				continue
			}
			if g, w := shown(t, got), shown(t, want); g != w {
				t.Errorf("env %q: judged alike (%d readings):\n%s\njudged in full:\n%s", env, alike, g, w)
			}
			// Each variant's third copy (rebased from the first on the
			// same worker) as judged alone, with the first (so that it is
			// rebased there too) and a copy of the base.
			for v := range variants {
				alone := map[string]string{}
				for name, body := range files {
					if strings.HasPrefix(name, "variant/"+v+"0/") || strings.HasPrefix(name, "variant/"+v+"2/") || strings.HasPrefix(name, "same/s0/") {
						alone[name] = body
					}
				}
				ra := withoutAlike(t, tree(t, alone), mutate)
				if g, w := sourcesIn(got, "variant/"+v+"2"), sourcesIn(ra, "variant/"+v+"2"); g != w {
					t.Errorf("env %q, variant %s: sources\n%s\nwant (judged alone)\n%s", env, v, g, w)
				}
			}
		}
	}
}

// sourcesIn describes the sources defined in dir, who reads them, and the
// warnings there.
func sourcesIn(r *Report, dir string) string {
	var b strings.Builder
	for _, s := range r.Sources {
		if path.Dir(s.Def.File) != dir {
			continue
		}
		fmt.Fprintf(&b, "%s %s %s %s %v %q %v %q %v %q\n", s.Def.Location(), s.Dir, s.Var, s.ID, s.InEffect, s.Readers, s.Endpoint.Kind, s.CompletedFrom, s.Elsewhere != nil, s.Via)
	}
	for _, w := range r.Warnings {
		if strings.HasPrefix(w.Location, dir+"/") {
			// The message may name readers in other folders (the
			// environment's, which every folder reads).
			fmt.Fprintf(&b, "%s %s\n", w.Code, w.Location)
		}
	}
	return b.String()
}
