package envcheck

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// labels groups loaders by folder in the order the folders first come,
// each loader once, whether a folder's readings come together or not:
// as the map-and-join form it replaced wrote it.
func TestLabelsAsJoined(t *testing.T) {
	lr := func(dir, loader string) *LoaderReading { return &LoaderReading{Dir: dir, Loader: loader} }
	cases := [][]*LoaderReading{
		nil,
		{lr(".", "dotenv")},
		{lr(".", "dotenv"), lr(".", "vite"), lr(".", "dotenv")},
		{lr("a", "dotenv"), lr("b", "vite"), lr("a", "next"), lr("b", "vite"), lr(".", "godotenv"), lr("a", "dotenv")},
		{lr("x\ny", "dotenv"), lr("", "vite"), lr("x\ny", "next")},
	}
	for _, lrs := range cases {
		if got, want := labels(lrs), labelsJoined(lrs); got != want {
			t.Errorf("labels = %q, want %q", got, want)
		}
	}
}

func labelsJoined(lrs []*LoaderReading) string {
	var dirs []string
	by := map[string][]string{}
	for _, lr := range lrs {
		if _, ok := by[lr.Dir]; !ok {
			dirs = append(dirs, lr.Dir)
		}
		if !slices.Contains(by[lr.Dir], lr.Loader) {
			by[lr.Dir] = append(by[lr.Dir], lr.Loader)
		}
	}
	var parts []string
	for _, d := range dirs {
		parts = append(parts, strings.Join(by[d], ", ")+" in "+where(d))
	}
	return strings.Join(parts, "; ")
}

// A database's readers are the loaders reading any URL variable of it, in
// the readings' order, whatever order a reading's variables come in: the
// same as looking each URL variable up, run after run (a map's order
// changes between them).
func TestDatabaseReadersAsLookedUp(t *testing.T) {
	root := tree(t, map[string]string{
		".env":              "DATABASE_URL=postgres://app@h1.internal/one\nDIRECT_URL=postgres://app@h2.internal/two\n",
		"backend/.env":      "DATABASE_URL=postgres://app@h2.internal/two\nDIRECT_URL=postgres://app@h1.internal/one\n",
		"worker/.env":       "DIRECT_URL=postgres://app@h2.internal/two\n",
		"worker/.env.local": "DATABASE_URL=postgres://app@h1.internal/one\n",
	})
	for range 20 {
		r := mustResolve(t, root, nil)
		if len(r.Databases) != 2 {
			t.Fatalf("databases = %d, want 2", len(r.Databases))
		}
		vars := append([]string{r.URLVar}, r.DirectVars...)
		for i, db := range r.Databases {
			var lrs []*LoaderReading
			for _, lr := range r.Readings {
				seen := false
				for _, v := range vars {
					if s := lr.Reads[v]; s != nil && !seen && slices.Contains(db.Sources, s) {
						lrs, seen = append(lrs, lr), true
					}
				}
			}
			if got, want := strings.Join(db.Readers, "; "), labels(lrs); got != want || want == "" {
				t.Fatalf("database %d (%s) readers %q, want %q", i, db.ID, got, want)
			}
		}
	}
}

// joinLoaders is the loaders appended name by name, as writeLoaders made
// a row's text before.
func TestJoinLoadersAsAppended(t *testing.T) {
	lr := func(loader string) *LoaderReading { return &LoaderReading{Loader: loader} }
	cases := [][]*LoaderReading{
		{lr("dotenv")},
		{lr("dotenv"), lr("vite")},
		{lr("dotenv"), lr(""), lr("next"), lr("dotenv")},
		{lr("compose service backend (compose.yaml:12)"), lr("python-dotenv")},
	}
	for _, lrs := range cases {
		want := lrs[0].Loader
		for _, x := range lrs[1:] {
			want += "," + x.Loader
		}
		if got := joinLoaders(lrs); got != want {
			t.Errorf("joinLoaders = %q, want %q", got, want)
		}
	}
}

// Each reading's label is its loader in its folder, as where names the
// folder, whether or not the judging made the folder's text for it: in
// folders that come together and apart, at the root, and in a folder whose
// name needs escaping.
func TestLabelsOfTheJudgedReadings(t *testing.T) {
	root := tree(t, map[string]string{
		".env":               "DATABASE_URL=postgres://app@db.internal/app\n",
		"a/.env":             "DATABASE_URL=postgres://app@db.internal/app\n",
		"a/.env.local":       "DATABASE_URL=postgres://app@db.internal/app\n",
		"b/c/.env":           "DATABASE_URL=postgres://app@db.internal/app\n",
		"x\u001by/.env":      "DATABASE_URL=postgres://app@db.internal/app\n",
		"a/package.json":     `{"dependencies": {"vite": "5.0.0", "dotenv": "16.0.0"}}`,
		"b/requirements.txt": "python-dotenv==1.0.1\n",
	})
	r := mustResolve(t, root, nil)
	dirs := map[string]bool{}
	for _, lr := range r.Readings {
		dirs[lr.Dir] = true
		if lr.where == "" {
			t.Errorf("%s in %q: no folder text from the judging", lr.Loader, lr.Dir)
		}
		if got, want := lr.Label(), lr.Loader+" in "+where(lr.Dir); got != want {
			t.Errorf("Label = %q, want %q", got, want)
		}
		bare := &LoaderReading{Loader: lr.Loader, Dir: lr.Dir}
		if got, want := bare.Label(), lr.Label(); got != want {
			t.Errorf("Label without the folder text = %q, want %q", got, want)
		}
	}
	for _, d := range []string{".", "a", "b/c", "x\u001by"} {
		if !dirs[d] {
			t.Errorf("no reading in %q (readings in %v)", d, dirs)
		}
	}
}

// A folder whose name holds "; " (the text that parts one folder's loaders
// from the next's) is one reader of its database, in read_by and in the
// conflict's text, not two made-up ones cut at its name.
func TestDatabaseReadersOfASemicolonFolder(t *testing.T) {
	root := tree(t, map[string]string{
		".env":              "DATABASE_URL=postgres://app@h1.internal/one\n",
		"a; b/.env":         "DATABASE_URL=postgres://app@h2.internal/two\n",
		"a; b/c/.env":       "DATABASE_URL=postgres://app@h2.internal/two\n",
		"a; b/package.json": `{"dependencies": {"dotenv": "16.0.0"}}`,
	})
	r := mustResolve(t, root, nil)
	var two *Database
	for i, db := range r.Databases {
		if db.ID.Database == "two" {
			two = &r.Databases[i]
		}
	}
	if two == nil {
		t.Fatalf("no database two in %+v", r.Databases)
	}
	for _, rd := range two.Readers {
		if !strings.Contains(rd, " in ") {
			t.Errorf("reader %q of %v names no folder", rd, two.Readers)
		}
	}
	if got, want := two.Readers[0], "dotenv in a; b/"; got != want {
		t.Errorf("first reader %q, want %q (all: %q)", got, want, two.Readers)
	}
	var ce *ConflictError
	if !errors.As(r.Err(false), &ce) {
		t.Fatalf("Err = %v, want a conflict", r.Err(false))
	}
	if msg := strings.Join(ce.Who, "\n"); !strings.Contains(msg, "what runs in a; b/") {
		t.Errorf("conflict readers %q do not name the folder a; b/", ce.Who)
	}
}

// A folder whose name holds " in " (the text between a folder's loaders
// and its name) is named whole where the conflict says what runs there,
// not from its last " in " on.
func TestConflictReadersOfAnInFolder(t *testing.T) {
	root := tree(t, map[string]string{
		".env":             "DATABASE_URL=postgres://app@h1.internal/one\n",
		"x in y/.env":      "DATABASE_URL=postgres://app@h2.internal/two\n",
		"x in y/a in/.env": "DATABASE_URL=postgres://app@h2.internal/two\n",
	})
	r := mustResolve(t, root, nil)
	var ce *ConflictError
	if !errors.As(r.Err(false), &ce) {
		t.Fatalf("Err = %v, want a conflict", r.Err(false))
	}
	msg := strings.Join(ce.Who, "\n")
	if !strings.Contains(msg, "what runs in x in y/ or x in y/a in/ reads") {
		t.Errorf("conflict readers %q do not name the folders x in y/ and x in y/a in/", ce.Who)
	}
}

// labelList is labels' text one folder an entry, each folder's " in "
// where labelList says, whatever the folders are named: the entries
// joined are labels, and each is the folder's loaders in where's name.
func TestLabelListAsFolders(t *testing.T) {
	lr := func(dir, loader string) *LoaderReading { return &LoaderReading{Dir: dir, Loader: loader} }
	cases := [][]*LoaderReading{
		nil,
		{lr(".", "dotenv")},
		{lr("a; b", "dotenv"), lr("a; b", "vite"), lr("x in y", "next"), lr("a; b", "dotenv")},
		{lr("c", "npm run x in y"), lr("in ; in", "godotenv"), lr(".", "compose service a (compose.yaml:3)")},
	}
	for _, lrs := range cases {
		list, in := labelList(lrs)
		if got, want := strings.Join(list, "; "), labels(lrs); got != want {
			t.Errorf("labelList joined = %q, want %q", got, want)
		}
		if len(in) != len(list) {
			t.Fatalf("%d places of \" in \" for %d entries", len(in), len(list))
		}
		var dirs []string
		for _, x := range lrs {
			if !slices.Contains(dirs, x.Dir) {
				dirs = append(dirs, x.Dir)
			}
		}
		if len(dirs) == 0 {
			if len(list) != 1 || list[0] != "" || in[0] != -1 {
				t.Errorf("no readings: %q %v, want one empty entry", list, in)
			}
			continue
		}
		if len(list) != len(dirs) {
			t.Fatalf("labelList %q: %d entries for folders %q", list, len(list), dirs)
		}
		for i, d := range dirs {
			var names []string
			for _, x := range lrs {
				if x.Dir == d && !slices.Contains(names, x.Loader) {
					names = append(names, x.Loader)
				}
			}
			if got, want := list[i][:in[i]], strings.Join(names, ", "); got != want {
				t.Errorf("entry %q: loaders %q, want %q", list[i], got, want)
			}
			if got, want := list[i][in[i]:], " in "+where(d); got != want {
				t.Errorf("entry %q: folder %q, want %q", list[i], got, want)
			}
		}
	}
}
