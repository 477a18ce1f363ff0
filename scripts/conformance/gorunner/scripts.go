package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ScriptResult is what the process a package.json script starts sees:
// the script runs for real (sh -c, in the manifest's folder, as npm runs
// it) with the real wrapper CLIs first on PATH, and the program it wraps
// (next, vite, uvicorn, ...) replaced by a shim that prints its
// environment as JSON; a node entry file of the case prints its own.
type scriptResult struct {
	Tools  string              `json:"tools"` // the wrappers' versions
	Error  string              `json:"error,omitempty"`
	Vars   *map[string]*string `json:"vars,omitempty"`
	Driver *map[string]*string `json:"driver,omitempty"`
}

// shimmed are the programs a script may wrap that the harness replaces by
// the environment printer.
var shimmed = []string{"next", "vite", "nuxt", "astro", "remix", "prisma", "uvicorn", "gunicorn", "fastapi", "app"}

func runScripts(c config, m *manifest, env map[string]string, versions map[string]string) (map[string]scriptResult, error) {
	if c.nodeBin == "" {
		return nil, fmt.Errorf("script: cases need -node-bin")
	}
	tools, err := wrapperVersions(c)
	if err != nil {
		return nil, err
	}
	for k, v := range tools {
		versions[k] = v
	}
	var parts []string
	for _, k := range []string{"dotenv-cli", "dotenvx", "node"} {
		parts = append(parts, k+" "+tools[k])
	}
	toolsLine := strings.Join(parts, ", ")

	shims := filepath.Join(filepath.Dir(m.Root), "shims")
	if err := os.MkdirAll(shims, 0o755); err != nil {
		return nil, err
	}
	printer := fmt.Sprintf("#!/bin/sh\nexec %s -e 'process.stdout.write(\"\\n\" + JSON.stringify(process.env) + \"\\n\")'\n", c.node)
	for _, name := range shimmed {
		if err := os.WriteFile(filepath.Join(shims, name), []byte(printer), 0o755); err != nil {
			return nil, err
		}
	}

	out := map[string]scriptResult{}
	for _, spec := range m.Scripts {
		manifestRel, name, ok := strings.Cut(spec, " ")
		if !ok {
			return nil, fmt.Errorf("script: want 'MANIFEST NAME', got %q", spec)
		}
		rel, err := relDir(manifestRel)
		if err != nil {
			return nil, fmt.Errorf("script: %v", err)
		}
		data, err := os.ReadFile(filepath.Join(m.Root, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		var pkg struct {
			Scripts map[string]string `json:"scripts"`
		}
		if err := json.Unmarshal(data, &pkg); err != nil {
			return nil, fmt.Errorf("%s: %v", rel, err)
		}
		command, ok := pkg.Scripts[name]
		if !ok {
			return nil, fmt.Errorf("%s has no script %q", rel, name)
		}
		dir := filepath.Join(m.Root, filepath.FromSlash(filepath.ToSlash(filepath.Dir(rel))))
		start := map[string]string{}
		for k, v := range env {
			start[k] = v
		}
		start["PWD"] = dir
		start["PATH"] = shims + ":" + c.nodeBin + ":" + baseline["PATH"]
		if c.nodePath != "" {
			// Where node -r dotenv/config finds dotenv (the case's own
			// folder has no node_modules): the version the manifest's
			// range would install; in start, so not recorded.
			major := "17"
			if dotenvMajor(data) >= 18 {
				major = "18"
			}
			start["NODE_PATH"] = filepath.Join(c.nodePath, major, "node_modules")
		}
		r := runScript(command, dir, start, m.Env)
		r.Tools = toolsLine
		out[spec] = sanitizeScript(r, m.Root)
	}
	return out, nil
}

func runScript(command, dir string, start, caseEnv map[string]string) scriptResult {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Dir = dir
	for k, v := range start {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	sort.Strings(cmd.Env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var got map[string]string
		if !strings.HasPrefix(lines[i], "{") || json.Unmarshal([]byte(lines[i]), &got) != nil {
			continue
		}
		vars := diff(got, start, caseEnv)
		driver := map[string]*string{}
		for k, v := range vars {
			if strings.HasPrefix(k, "PG") {
				driver[k] = v
			}
		}
		return scriptResult{Vars: &vars, Driver: &driver}
	}
	msg := firstLine(stderr.String())
	if msg == "" && runErr != nil {
		msg = runErr.Error()
	}
	return scriptResult{Error: "the script printed no environment: " + msg}
}

func sanitizeScript(r scriptResult, root string) scriptResult {
	res := sanitize(result{Error: r.Error, Vars: r.Vars}, root)
	r.Error, r.Vars = res.Error, res.Vars
	return r
}

// wrapperVersions are the versions of the wrapper CLIs the scripts run.
func wrapperVersions(c config) (map[string]string, error) {
	out := map[string]string{}
	for tool, pkg := range map[string]string{"dotenv-cli": "dotenv-cli", "dotenvx": "@dotenvx/dotenvx"} {
		data, err := os.ReadFile(filepath.Join(c.nodeBin, "..", filepath.FromSlash(pkg), "package.json"))
		if err != nil {
			return nil, err
		}
		var p struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, err
		}
		out[tool] = p.Version
	}
	v, err := exec.Command(c.node, "--version").Output()
	if err != nil {
		return nil, err
	}
	out["node"] = strings.TrimSpace(string(v))
	return out, nil
}

// dotenvMajor is the major version of the dotenv range a package.json
// depends on (dependencies, else devDependencies), 0 for none or a range
// without one.
func dotenvMajor(data []byte) int {
	var pkg struct {
		Deps    map[string]any `json:"dependencies"`
		DevDeps map[string]any `json:"devDependencies"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return 0
	}
	for _, deps := range []map[string]any{pkg.Deps, pkg.DevDeps} {
		v, _ := deps["dotenv"].(string)
		v = strings.TrimLeft(v, "^~>=v ")
		n := 0
		for i := 0; i < len(v) && v[i] >= '0' && v[i] <= '9' && n < 1000; i++ {
			n = n*10 + int(v[i]-'0')
		}
		if n > 0 {
			return n
		}
	}
	return 0
}
