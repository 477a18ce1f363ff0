package envload

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestViteConfigConformance compares, for the viteconfig: cases, what
// dbguard makes of a folder's vite.config (ViteEnvDir and the loader it
// gives, run in that folder) with what loadEnv(mode, config.envDir, ”)
// returned after the real Vite's resolveConfig read it there (recorded by
// scripts/conformance.sh).
func TestViteConfigConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/cases/viteconfig-*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no viteconfig cases: %v", err)
	}
	for _, file := range files {
		c := loadCase(t, file)
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var dirs []string
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "viteconfig: "); ok {
				dirs = append(dirs, v)
			}
		}
		data, err := os.ReadFile(filepath.Join("testdata/conformance/golden", c.name+".json"))
		if err != nil {
			t.Errorf("%s: no golden (run make conformance): %v", c.name, err)
			continue
		}
		var g struct {
			ViteConfigs map[string]struct {
				Vars  map[string]*string `json:"vars"`
				Error string             `json:"error"`
			} `json:"viteconfigs"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		for _, dir := range dirs {
			want, ok := g.ViteConfigs[dir]
			if !ok {
				t.Errorf("%s: the golden has no viteconfigs for %s (run make conformance)", c.name, dir)
				continue
			}
			l := LoaderNamed("vite")
			for _, name := range ViteConfigNames {
				cfg, ok := c.files[path.Join(dir, name)]
				if !ok {
					continue
				}
				envDir, off, problem := ViteEnvDir(dir, cfg)
				if problem != "" {
					t.Errorf("%s: %s: %s", c.name, name, problem)
				}
				if off || envDir != "" {
					l = ViteIn(envDir, off)
				}
				break
			}
			r := Read(l, c.input(), dir, dir)
			if diff := compareReading(r, want.Vars, want.Error); diff != "" {
				t.Errorf("%s: vite in %s (%s): %s", c.name, dir, l.Name, diff)
			}
		}
	}
}

func TestViteEnvDirParse(t *testing.T) {
	for _, tc := range []struct {
		src, envDir string
		off         bool
		problem     string
	}{
		{"export default defineConfig({ plugins: [react()] })", "", false, ""},
		{"export default defineConfig({ envDir: '../../' })", "", false, ""}, // from apps/web: the root
		{"export default { envDir: \"env\", envPrefix: 'X_' }", "apps/web/env", false, ""},
		{"export default {\n  envDir:\n    path.resolve(__dirname, '..', 'config'),\n}", "apps/config", false, ""},
		{"export default { root: 'src' }", "apps/web/src", false, ""},
		{"export default { root: 'src', envDir: '..' }", "apps/web", false, ""},
		{"export default { envDir: false }", "", true, ""},
		{"export default { envDir: process.env.ENV_DIR }", "", false, "envDir is computed"},
		{"export default { envDir: '/etc' }", "", false, "envDir is computed"},
		// Vite resolves envDir from its root (path.resolve): ~ is a folder
		// of that name, not the home folder.
		{"export default { envDir: '~' }", "apps/web/~", false, ""},
		{"export default { envDir: path.resolve(__dirname, '~/env') }", "apps/web/~/env", false, ""},
	} {
		envDir, off, problem := ViteEnvDir("apps/web", []byte(tc.src))
		want := tc.envDir
		if tc.src == "export default defineConfig({ envDir: '../../' })" {
			want = "."
		}
		if envDir != want || off != tc.off || !strings.Contains(problem, tc.problem) || tc.problem == "" && problem != "" {
			t.Errorf("%q: got %q %v %q, want %q %v %q", tc.src, envDir, off, problem, want, tc.off, tc.problem)
		}
	}
}
