package envload

import (
	"bytes"
	"encoding/json"
	"path"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// IsManifest reports whether a file name is a manifest Detect reads.
func IsManifest(name string) bool {
	switch name {
	case "package.json", "pyproject.toml", "Pipfile", "setup.cfg", "go.mod",
		"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml",
		"compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml":
		return true
	}
	return strings.HasPrefix(name, "requirements") && strings.HasSuffix(name, ".txt")
}

// npmLoaders maps npm packages to the loader they bring. Prisma's CLI
// reads .env with dotenv and dotenv-expand.
var npmLoaders = map[string]string{
	"dotenv": "dotenv", "dotenv-expand": "dotenv-expand", "dotenv-flow": "dotenv-flow",
	"next": "next", "@next/env": "next", "vite": "vite",
	// Frameworks that load env files through Vite's loadEnv.
	"astro": "vite", "@sveltejs/kit": "vite", "vitest": "vite", "@remix-run/dev": "vite", "@react-router/dev": "vite",
	"prisma": "dotenv-expand", "@prisma/client": "dotenv-expand",
}

// pyLoaders matches Python requirements naming a loader; pydantic-settings
// reads .env through python-dotenv's dotenv_values, the environment winning.
var pyLoaders = []struct {
	re     *lazyre.Regexp
	loader string
}{
	{lazyre.New(`(?i)(^|[^a-z0-9_-])python[-_]dotenv([^a-z0-9_-]|$)`), "python-dotenv"},
	{lazyre.New(`(?i)(^|[^a-z0-9_-])pydantic[-_]settings([^a-z0-9_-]|$)`), "pydantic-settings"},
}

// PrismaConfigNames are the names Prisma 6 and 7 look for their config
// file under, in their order (@prisma/config 7.10.1's loadConfigFromFile:
// prisma7.config.*, .config/prisma7.*, then prisma.config.*,
// .config/prisma.*; the goldens of internal/tool/testdata/prismaconfig).
var PrismaConfigNames = func() []string {
	var out []string
	for _, base := range []string{"prisma7.config", ".config/prisma7", "prisma.config", ".config/prisma"} {
		for _, ext := range []string{".js", ".ts", ".mjs", ".cjs", ".mts", ".cts"} {
			out = append(out, base+ext)
		}
	}
	return out
}()

// Detect returns the loaders a manifest names (by the file's base name),
// sorted, without duplicates. A package.json that is not JSON names none.
func Detect(name string, data []byte) []string { return DetectIn(name, data, false) }

// DetectIn is Detect for a manifest whose folder holds a Prisma config
// file when prismaConfig is set: Prisma then loads no env file itself
// (Prisma 7; the 6.19 CLI says "Prisma config detected, skipping
// environment variable loading"), the config's own import 'dotenv/config'
// does, which the dotenv dependency it needs names.
func DetectIn(name string, data []byte, prismaConfig bool) []string {
	var out []string
	base := path.Base(name)
	switch {
	case base == "package.json":
		var pkg struct {
			Deps    map[string]any `json:"dependencies"`
			DevDeps map[string]any `json:"devDependencies"`
		}
		if json.Unmarshal(data, &pkg) != nil {
			return nil
		}
		for _, deps := range []map[string]any{pkg.Deps, pkg.DevDeps} {
			for dep := range deps {
				if prismaConfig && (dep == "prisma" || dep == "@prisma/client") {
					continue
				}
				if l, ok := npmLoaders[dep]; ok {
					out = append(out, l)
				}
			}
		}
	case base == "go.mod":
		if bytes.Contains(data, []byte("github.com/joho/godotenv")) {
			out = append(out, "godotenv")
		}
	case strings.Contains(base, "compose"):
		out = append(out, "compose")
	default:
		for _, p := range pyLoaders {
			if p.re.Match(data) {
				out = append(out, p.loader)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
