package envload

import (
	"fmt"
	"slices"
)

// Loader is the script as a loader: its files, read with its tool's
// parser and precedence, from the script's folder.
//
//   - dotenv-cli 11: each -e file with dotenv.config in order, so the
//     first file wins and the environment beats them all (-o: the last
//     file wins, over the environment too); then dotenv-expand 12 over the
//     whole process environment; -v NAME=value over everything.
//   - dotenvx run: each -f file in order, expanded against the
//     environment and the files before it; the first file wins and the
//     environment beats them (--overload: the last wins, over the
//     environment); $(...) runs a command (dbguard never does: the value
//     is unknowable); -e NAME=value over everything.
//   - node --env-file: the files in order, the later winning, the
//     environment beating them all, no expansion (Node's own parser); then
//     each process.loadEnvFile call of the entry file, setting only what
//     is still unset.
//   - node -r dotenv/config with options (dotenv 16/17's preload): its one
//     file with dotenv's parser, no expansion; the environment beats it
//     unless override is set, in which case it beats the environment.
//   - uv run --env-file (from uv's source, uv cannot be installed here):
//     the later file wins, the environment beats them all; dotenvy's
//     syntax, modelled with godotenv's (both expand $VAR as they parse).
//
// NAME=value set before the tool (a shell prefix, cross-env, env) is the
// tool's environment: it beats the files unless -o/--overload; set in the
// command the tool starts (-- env NAME=value node app.js) it beats them
// all, as -v does.
//
// A file that is not there is read as nothing: node and uv then refuse
// to start, dotenv-cli and dotenvx go on without it; either way it
// connects nowhere.
func (s *Script) Loader() *Loader {
	var paths []string
	for _, f := range s.Files {
		paths = append(paths, f.Path)
	}
	l := &Loader{Name: s.Label(), Call: s.At() + ": npm run " + s.Name, Application: true,
		Files: func(string) []string { return paths }}
	switch s.Tool {
	case "dotenv-cli":
		l.dialect, l.setenv, l.read = dialectDotenv, setNode, s.readDotenvCLI
	case "dotenvx":
		l.dialect, l.setenv, l.read, l.commands, l.decrypts = dialectDotenv, setNode, s.readDotenvx, true, true
	case "node":
		l.dialect, l.setenv, l.read = dialectNode, setNode, s.readNode
	case "dotenv/config":
		l.dialect, l.setenv, l.read = dialectDotenv, setNode, s.readDotenvConfig
	case "uv":
		l.dialect, l.setenv, l.read = dialectGodotenv, setGo, s.readUV
	default:
		panic(fmt.Sprintf("envload: script tool %q", s.Tool))
	}
	if len(s.Vars) == 0 && len(s.Env) == 0 {
		// Plain files: what decides the reading is the files in
		// ascending precedence (see Input.plainSignature), so a script
		// shares the reading of a loader that ranks its files alike.
		asc := s.ascending()
		l.ascending, l.overrides, l.rooted = func(string) []string { return asc }, s.Override, true
	}
	return l
}

// ascending are the script's files from the lowest precedence to the
// highest.
func (s *Script) ascending() []string {
	var options, loads []string
	for _, f := range s.Files {
		if f.LoadEnvFile {
			loads = append(loads, f.Path)
		} else {
			options = append(options, f.Path)
		}
	}
	switch {
	case s.Tool == "node":
		// The options' files (the later winning) beat the loadEnvFile
		// calls (the first winning).
		return append(reversed(loads), options...)
	case s.Tool == "uv" || s.Override:
		return options
	default:
		return reversed(options) // the first file wins
	}
}

// view is what the process holds so far: the environment and what
// loading set.
func (c *readCtx) view() map[string]string {
	m := make(map[string]string, len(c.in.Environ)+len(c.r.vars))
	for k, v := range c.in.Environ {
		m[k] = v
	}
	for k, v := range c.r.vars {
		m[k] = v.Value
	}
	return m
}

func (s *Script) readDotenvCLI(c *readCtx) {
	order := s.dotenvFiles(c, s.setEnv(c))
	if !s.NoExpand {
		// dotenvExpand({parsed: process.env}): every variable of the
		// process, in its order (the environment's, then the files').
		all := c.view()
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range c.in.Environ {
				if !yield(k) {
					return
				}
			}
		})
		keys = append(keys, order...)
		if k, over := expandV12(keys, all, all, false, false, c.budget()); k != "" {
			c.r.Err = &ParseError{Loader: c.l.Name, File: s.Manifest, Line: s.Line, Key: nameOnly(k), Msg: "dotenv-cli never finishes expanding this variable (it refers to itself): the script hangs at start"}
			if over {
				c.r.Err = &ParseError{Loader: c.l.Name, File: s.Manifest, Line: s.Line, Key: nameOnly(k), Msg: overBudgetMsg(c.l.Name)}
			}
			return
		}
		for _, k := range keys {
			if v, ok := c.r.vars[k]; ok {
				if v.Value != all[k] {
					c.set(v.Def, all[k])
				}
			} else if all[k] != c.in.Environ[k] {
				c.r.vars[k] = Value{Value: all[k]} // an environment value it expanded
			}
		}
	}
	s.setVars(c)
}

// setEnv sets the NAME=value pairs set before the tool starts (a shell
// prefix, cross-env, env): they are the tool's environment, so a file
// sets them only when the tool overrides the environment. It returns the
// names the real environment did not hold, in order.
func (s *Script) setEnv(c *readCtx) []string {
	var added []string
	for i := range s.Env {
		d := &s.Env[i]
		_, inEnv := c.env(d.Key)
		if _, set := c.r.vars[d.Key]; !inEnv && !set {
			added = append(added, d.Key)
		}
		c.set(d, d.Value)
	}
	return added
}

// setVars sets the command line's NAME=value pairs over everything.
func (s *Script) setVars(c *readCtx) {
	for i := range s.Vars {
		c.set(&s.Vars[i], s.Vars[i].Value)
	}
}

// dotenvFiles loads the script's files as dotenv.config({path, override})
// does (dotenv-cli calls it once a file); see loadFiles.
func (s *Script) dotenvFiles(c *readCtx, order []string) []string {
	return c.loadFiles(s.Files, s.Override, order)
}

// loadFiles loads each file in turn: the file's last definition of each
// key, set unless the process already holds the key (the environment, the
// script's NAME=value, a file before), or over it with override. It
// returns order with the keys the process did not hold before, in order.
func (c *readCtx) loadFiles(files []ScriptFile, override bool, order []string) []string {
	for _, f := range files {
		defs, ok := c.fileAt(f.Path)
		if !ok {
			continue
		}
		keys, by := lastWins(defs)
		for _, k := range keys {
			_, inEnv := c.env(k)
			_, set := c.r.vars[k]
			if !override && (inEnv || set) {
				continue
			}
			if !set && !inEnv {
				order = append(order, k)
			}
			c.set(by[k], by[k].Value)
		}
	}
	return order
}

// readDotenvConfig is dotenv.config({path, override}) in the preload, over
// the script's NAME=value set before node.
func (s *Script) readDotenvConfig(c *readCtx) {
	s.dotenvFiles(c, s.setEnv(c))
}

func (s *Script) readDotenvx(c *readCtx) {
	s.setEnv(c)
	var paths []string
	for _, f := range s.Files {
		paths = append(paths, f.Path)
	}
	if c.readDotenvx(paths, s.Override) {
		s.setVars(c)
	}
}

// readDotenvx reads files (paths from the root) as dotenvx does, in
// `dotenvx run -f` and in its config(): each file in order, expanded
// against what the process holds and the files before it; the first file
// wins and the environment beats them, unless override (--overload), where
// the last wins over the environment. False when a value's expansion
// failed (c.r.Err says how).
func (c *readCtx) readDotenvx(paths []string, override bool) bool {
	for _, p := range paths {
		defs, ok := c.fileAt(p)
		if !ok || c.r.Err != nil {
			continue
		}
		keys, by := lastWins(defs)
		parsed := make(map[string]string, len(keys))
		for _, k := range keys {
			parsed[k] = by[k].Value
		}
		env := c.view()
		if override {
			for _, k := range keys {
				delete(env, k)
			}
		}
		if k, over := expandV12(keys, parsed, env, false, false, c.budget()); k != "" {
			d := by[k]
			c.r.Err = &ParseError{Loader: c.l.Name, File: d.File, Line: d.Line, Key: nameOnly(k), Msg: "dotenvx never finishes expanding this value (it refers to itself)"}
			if over {
				c.r.Err = overBudget(c.l.Name, d)
			}
			return false
		}
		for _, k := range keys {
			_, inEnv := c.env(k)
			_, set := c.r.vars[k]
			if !override && (inEnv || set) {
				continue
			}
			c.set(by[k], parsed[k])
		}
	}
	return true
}

func (s *Script) readNode(c *readCtx) {
	var options []string
	var loads []ScriptFile
	for _, f := range s.Files {
		if f.LoadEnvFile {
			loads = append(loads, f)
		} else {
			options = append(options, f.Path)
		}
	}
	s.setEnv(c)
	keys, by := c.mergedAt(options)
	for _, k := range keys {
		_, inEnv := c.env(k)
		if _, set := c.r.vars[k]; !inEnv && !set {
			c.set(by[k], by[k].Value)
		}
	}
	c.loadFiles(loads, false, nil)
}

func (s *Script) readUV(c *readCtx) {
	var paths []string
	for _, f := range s.Files {
		paths = append(paths, f.Path)
	}
	s.setEnv(c)
	keys, by := c.mergedAt(paths)
	for _, k := range keys {
		_, inEnv := c.env(k)
		if _, set := c.r.vars[k]; !inEnv && !set {
			c.set(by[k], by[k].Value)
		}
	}
	s.setVars(c)
}

// mergedAt is merged for paths relative to the root: the files in order,
// the later winning.
func (c *readCtx) mergedAt(paths []string) ([]string, map[string]*Def) {
	var keys []string
	byKey := map[string]*Def{}
	for _, p := range paths {
		defs, _ := c.fileAt(p)
		for i := range defs {
			d := &defs[i]
			if _, seen := byKey[d.Key]; !seen {
				keys = append(keys, d.Key)
			}
			byKey[d.Key] = d
		}
	}
	return keys, byKey
}
