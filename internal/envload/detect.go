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

// NamesNestConfig reports whether a package.json depends on
// @nestjs/config: its ConfigModule.forRoot calls are read from the code
// (DotenvCalls); where none is found, the package names no loader.
func NamesNestConfig(data []byte) bool { return dependsOn(data, "@nestjs/config") }

// NamesDotenvx reports whether a package.json depends on @dotenvx/dotenvx:
// its config() calls are read from the code (DotenvCalls); where none is
// found, the package names no loader (`dotenvx run` in a script is read
// from the script).
func NamesDotenvx(data []byte) bool { return dependsOn(data, "@dotenvx/dotenvx") }

func dependsOn(data []byte, name string) bool {
	var pkg struct {
		Deps    map[string]any `json:"dependencies"`
		DevDeps map[string]any `json:"devDependencies"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return false
	}
	_, a := pkg.Deps[name]
	_, b := pkg.DevDeps[name]
	return a || b
}

// pyLoaders matches Python requirements naming a loader; pydantic-settings
// reads .env through python-dotenv's dotenv_values, the environment winning.
var pyLoaders = []struct {
	re     *lazyre.Regexp
	loader string
}{
	{lazyre.New(`(?i)(^|[^a-z0-9_-])python[-_]dotenv([^a-z0-9_-]|$)`), "python-dotenv"},
	{lazyre.New(`(?i)(^|[^a-z0-9_-])pydantic[-_]settings([^a-z0-9_-]|$)`), "pydantic-settings"},
	{lazyre.New(`(?i)(^|[^a-z0-9_-])python[-_]decouple([^a-z0-9_-]|$)`), "python-decouple"},
}

// PrismaConfigNames are the names Prisma 6 and 7 look for their config
// file under, in their order: @prisma/config 7.10.1's loadConfigFromFile
// tries prisma7.config.* and .config/prisma7.*, then c12 (3.3.4) resolves
// prisma.config, .config/prisma and .config/prisma.config, each as a file
// then a folder's index, with its extensions in order. The last six
// (.json to .toml) Prisma refuses to load (PrismaConfigLoadable); the
// goldens of internal/tool/testdata/prismaconfig check the order.
var PrismaConfigNames = func() []string {
	js := []string{".js", ".ts", ".mjs", ".cjs", ".mts", ".cts"}
	all := append(js[:len(js):len(js)], ".json", ".jsonc", ".json5", ".yaml", ".yml", ".toml")
	var out []string
	for _, base := range []string{"prisma7.config", ".config/prisma7"} {
		for _, ext := range js {
			out = append(out, base+ext)
		}
	}
	for _, base := range []string{"prisma.config", ".config/prisma", ".config/prisma.config"} {
		for _, suffix := range []string{"", "/index"} {
			for _, ext := range all {
				out = append(out, base+suffix+ext)
			}
		}
	}
	return out
}()

// MayHoldPrismaConfig reports whether one of names (a folder's entries)
// starts a Prisma config file's name: prisma7.config*, prisma.config*,
// .config. Looking up the 84 names one by one cost 84 calls in every
// folder tool detection and the loaders look in; a listing costs one.
func MayHoldPrismaConfig(names []string) bool {
	for _, n := range names {
		if n == ".config" || strings.HasPrefix(n, "prisma.config") || strings.HasPrefix(n, "prisma7.config") {
			return true
		}
	}
	return false
}

// PrismaConfigLoadable reports whether Prisma loads a config file of that
// name (its extension one of .js, .ts, .mjs, .cjs, .mts, .cts).
func PrismaConfigLoadable(name string) bool {
	switch path.Ext(name) {
	case ".js", ".ts", ".mjs", ".cjs", ".mts", ".cts":
		return true
	}
	return false
}

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

var djangoEnviron = lazyre.New(`(?i)(^|[^a-z0-9_-])django[-_]environ([^a-z0-9_-]|$)`)

// NamesDjangoEnviron reports whether a Python manifest (requirements*.txt,
// pyproject.toml, Pipfile, setup.cfg) names django-environ, which dbguard
// does not model as a loader (see DjangoEnvironValue).
func NamesDjangoEnviron(name string, data []byte) bool {
	base := path.Base(name)
	if base == "package.json" || base == "go.mod" || strings.Contains(base, "compose") {
		return false
	}
	return djangoEnviron.Match(data)
}
