package tool

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrismaConfigGoldens requires dbguard's static reading of each Prisma
// config case to find what Prisma's own loader found when it ran the file
// (scripts/prisma-config-goldens.sh, @prisma/config 6.19.3 and 7.10.1):
// the same file, schema and migrations paths, and, as Prisma 7 reads the
// datasource, the same URL variable, from the same env file (or none), or
// a written URL; or to refuse the case with an error at a line.
func TestPrismaConfigGoldens(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "prismaconfig", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatal("no cases", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			got, err := readPrismaConfig(root, ".")
			for _, major := range []string{"6", "7"} {
				data, rerr := os.ReadFile(filepath.Join(dir, "prisma-"+major+".json"))
				if rerr != nil {
					t.Fatalf("no golden for Prisma %s: run scripts/prisma-config-goldens.sh", major)
				}
				var want struct{ Prisma, File, Error, Schema, Migrations, URL, ShadowDatabaseURL string }
				if err := json.Unmarshal(data, &want); err != nil {
					t.Fatal(err)
				}
				if err != nil {
					var ce *PrismaConfigError
					if !errors.As(err, &ce) || ce.Line < 1 {
						t.Fatalf("error %v, want a PrismaConfigError at a line", err)
					}
					if want.Error == "" && major == "7" {
						t.Logf("refused (Prisma %s reads it: url %s): %v", want.Prisma, want.URL, err)
					}
					continue
				}
				if got == nil {
					if want.File != "" {
						t.Fatalf("dbguard found no config file; Prisma %s loads %s", want.Prisma, want.File)
					}
					continue
				}
				if want.Error != "" && major == "7" {
					t.Fatalf("Prisma %s refuses the config (%s), dbguard read it", want.Prisma, want.Error)
				}
				if want.Error != "" {
					// Prisma 6 refuses a datasource without engine: 'classic';
					// the file, its paths and its variable are still Prisma 7's.
					continue
				}
				if got.File != want.File {
					t.Errorf("Prisma %s: file %q, dbguard %q", want.Prisma, want.File, got.File)
				}
				rel := func(p string) string {
					if p == "" {
						return ""
					}
					return path.Clean(path.Join(path.Dir(got.File), p))
				}
				if rel(got.Schema) != want.Schema || rel(got.Migrations) != want.Migrations {
					t.Errorf("Prisma %s: schema %q migrations %q, dbguard %q %q", want.Prisma, want.Schema, want.Migrations, rel(got.Schema), rel(got.Migrations))
				}
				if major != "7" {
					continue
				}
				if url := describe(t, dir, got, got.URLVar, got.Literal != ""); url != want.URL {
					t.Errorf("Prisma %s: url from %q, dbguard %q", want.Prisma, want.URL, url)
				}
				if url := describe(t, dir, got, got.ShadowVar, false); url != want.ShadowDatabaseURL {
					t.Errorf("Prisma %s: shadowDatabaseUrl from %q, dbguard %q", want.Prisma, want.ShadowDatabaseURL, url)
				}
			}
			if err != nil && !strings.Contains(dir, "unread") && !strings.Contains(dir, "jsonconfig") {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

// describe says where dbguard finds the variable v as the goldens do:
// "var:V file:F" with F the first of the config's env files that sets it
// (dotenv never overrides), "-" for none; "literal" for a written URL.
func describe(t *testing.T, dir string, c *PrismaConfig, v string, literal bool) string {
	if literal {
		return "literal"
	}
	if v == "" {
		return ""
	}
	for _, f := range c.EnvFiles {
		fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(f))) // dotenv reads from where Prisma runs
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if k, _, ok := strings.Cut(sc.Text(), "="); ok && strings.TrimSpace(k) == v {
				fh.Close()
				return "var:" + v + " file:" + f
			}
		}
		fh.Close()
	}
	return "var:" + v + " file:-"
}
