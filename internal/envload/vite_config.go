package envload

import (
	"path"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// ViteConfigNames are the config files Vite looks for in its root, in its
// order (DEFAULT_CONFIG_FILES in vite 8's config.ts).
var ViteConfigNames = []string{"vite.config.js", "vite.config.mjs", "vite.config.ts", "vite.config.cjs", "vite.config.mts", "vite.config.cts"}

var (
	viteEnvDirProp = lazyre.New(`(?:^|[\s{,])envDir\s*:\s*`)
	viteRootProp   = lazyre.New(`(?:^|[\s{,])root\s*:\s*`)
)

// ViteEnvDir reads where a Vite config makes loadEnv look: resolveConfig
// (vite 8.3.8, dist/node/chunks/node.js) takes envDir from the root
// (path.resolve(root, envDir)), the root from the working folder, and
// envDir: false loads no env file. dir is the config's folder, from the
// project root. It returns the folder (from the project root; "" when the
// config changes nothing), off for envDir: false, and a message when the
// config sets envDir or root to something it cannot read as a literal
// path (a variable, a call it does not know).
func ViteEnvDir(dir string, data []byte) (envDir string, off bool, problem string) {
	src := string(data)
	root := dir
	if v, ok := viteProp(viteRootProp, src); ok {
		p, msg := jsPath(v)
		if msg != "" || path.IsAbs(p.Name) {
			return "", false, "vite.config's root is computed at run time, so the folder loadEnv reads is not known"
		}
		root = path.Join(dir, p.Name)
	}
	v, ok := viteProp(viteEnvDirProp, src)
	if !ok {
		if root == dir {
			return "", false, ""
		}
		return root, false, ""
	}
	if v == "false" {
		return "", true, ""
	}
	p, msg := jsPath(v)
	// Vite resolves envDir from its root (path.resolve): a leading ~ is a
	// folder of that name, not the home folder.
	if msg != "" || path.IsAbs(p.Name) {
		return "", false, "vite.config's envDir is computed at run time, so the folder loadEnv reads is not known"
	}
	if p.FromFile {
		return path.Join(dir, p.Name), false, ""
	}
	return path.Join(root, p.Name), false, ""
}

// viteProp is the expression after a property's colon, up to the comma or
// bracket that ends it.
func viteProp(re *lazyre.Regexp, src string) (string, bool) {
	m := re.Regexp().FindStringIndex(src)
	if m == nil {
		return "", false
	}
	rest := src[m[1]:]
	depth := 0
	for i := 0; i < len(rest) && i < maxCallArgs; i++ {
		switch c := rest[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return strings.TrimSpace(rest[:i]), true
			}
			depth--
		case ',', '\n':
			if depth == 0 {
				return strings.TrimSpace(rest[:i]), true
			}
		case '"', '\'', '`':
			for i++; i < len(rest) && rest[i] != c; i++ {
				if rest[i] == '\\' {
					i++
				}
			}
		}
	}
	return strings.TrimSpace(rest), true
}

// ViteIn is Vite's loadEnv(mode, envDir, ”) reading envDir (a folder
// from the project root) wherever the app runs; off: envDir: false, no
// env file at all.
func ViteIn(envDir string, off bool) *Loader {
	v := LoaderNamed("vite")
	l := *v
	l.ascending = nil // no shortcut: the folder is not the run's
	if off {
		l.Name, l.Call = "vite (envDir: false)", "vite with envDir: false (loads no env file)"
		l.Files = func(string) []string { return nil }
		l.read = func(c *readCtx) {}
		return &l
	}
	l.Name = "vite (envDir " + envDir + ")"
	l.Call = "vite loadEnv(mode, envDir, '') with envDir " + envDir
	l.Files = func(mode string) []string {
		var out []string
		for _, f := range viteFiles(mode) {
			out = append(out, join(envDir, f))
		}
		return out
	}
	l.rooted = true
	l.read = func(c *readCtx) {
		c.r.Dir = envDir
		readVite(c)
	}
	return &l
}
