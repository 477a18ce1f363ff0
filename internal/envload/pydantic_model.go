package envload

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
)

// Settings is one pydantic-settings class of the application's code, its
// configuration read statically:
//
//	class Settings(BaseSettings):
//	    model_config = SettingsConfigDict(env_file=(".env", ".env.prod"), env_prefix="APP_", case_sensitive=True)
//	    database_url: str = Field(alias="DB_URL")
//
// or pydantic-settings 1's `class Config:` with env_file, env_prefix and
// case_sensitive. Its env files are read from the working folder, the later
// winning; a field takes the variable env_prefix + its name (its alias,
// without the prefix, when it has one), matched case-insensitively unless
// case_sensitive; the environment wins over the files; the values land in
// the settings object only.
type Settings struct {
	File          string // slash path of the Python file
	Line          int    // of the class line
	Class         string
	EnvFiles      []string // relative to the working folder; none: no file
	Prefix        string
	CaseSensitive bool
	Fields        []SettingsField
}

// SettingsField is one field of a settings class.
type SettingsField struct {
	Name    string
	Alias   string // Field(alias=...) or validation_alias=...: the variable read, without the prefix
	Line    int
	Default *string // a string literal default
}

// Label names the class for people: `Settings at app/config.py:5`.
func (s *Settings) Label() string {
	return fmt.Sprintf("%s at %s:%d", output.Escape(s.Class), output.Escape(s.File), s.Line)
}

var (
	settingsClass = lazyre.New(`(?m)^class\s+(\w+)\s*\(([^)]*BaseSettings[^)]*)\)\s*:`)
	modelConfig   = lazyre.New(`^model_config\s*(?::\s*[\w\[\], ]+)?=\s*(?:pydantic_settings\.)?SettingsConfigDict\s*\(`)
	v1Config      = lazyre.New(`^class\s+Config\s*(?:\([^)]*\))?\s*:`)
	fieldLine     = lazyre.New(`^(\w+)\s*:\s*([^=]+?)\s*(?:=\s*(.+))?$`)
	v1Setting     = lazyre.New(`^(env_file|env_prefix|case_sensitive)\s*(?::\s*[^=]+)?=\s*(.+)$`)
	// textField matches the annotations a URL is declared with: str,
	// Optional[str], str | None, PostgresDsn, AnyUrl, ...
	textField  = lazyre.New(`\b(str|\w*Dsn|\w*Url)\b`)
	fieldAlias = lazyre.New(`(?:^|[,(]\s*)(?:alias|validation_alias)\s*=\s*("[^"\\\n]*"|'[^'\\\n]*')`)
)

// PydanticSettings finds the BaseSettings classes of one Python file.
func PydanticSettings(file string, data []byte) ([]*Settings, []ScriptProblem) {
	var out []*Settings
	var problems []ScriptProblem
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for _, m := range settingsClass.FindAllSubmatchIndex(data, -1) {
		line := 1 + bytes.Count(data[:m[0]], []byte("\n"))
		s := &Settings{File: file, Line: line, Class: string(data[m[2]:m[3]])}
		at := fmt.Sprintf("%s:%d", output.Escape(file), line)
		if msg := s.body(lines, line); msg != "" {
			problems = append(problems, ScriptProblem{At: at, Msg: "pydantic-settings class " + s.Class + ": " + msg})
			continue
		}
		out = append(out, s)
	}
	return out, problems
}

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }

// body reads the class body after line classLine (1-based).
func (s *Settings) body(lines []string, classLine int) string {
	indent := -1
	for i := classLine; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		in := indentOf(l)
		if indent < 0 {
			indent = in
		}
		if in < indent || indent == 0 {
			break
		}
		if in > indent {
			continue
		}
		switch {
		case modelConfig.MatchString(t):
			rest := strings.Join(lines[i:], "\n")
			open := strings.Index(rest, "SettingsConfigDict")
			open += strings.Index(rest[open:], "(") + 1
			args, ok := callArgs([]byte(rest[open:]))
			if !ok {
				return "a model_config dbguard cannot read"
			}
			for _, a := range args {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					return "a model_config dbguard cannot read"
				}
				if msg := s.setting(strings.TrimSpace(k), strings.TrimSpace(v)); msg != "" {
					return msg
				}
			}
		case strings.HasPrefix(t, "model_config"):
			return "a model_config that is not a SettingsConfigDict(...) call"
		case v1Config.MatchString(t):
			for j := i + 1; j < len(lines); j++ {
				lj := strings.TrimSpace(lines[j])
				if lj == "" || strings.HasPrefix(lj, "#") {
					continue
				}
				if indentOf(lines[j]) <= in {
					break
				}
				if m := v1Setting.FindStringSubmatch(lj); m != nil {
					if msg := s.setting(m[1], strings.TrimSpace(m[2])); msg != "" {
						return msg
					}
				}
			}
		default:
			m := fieldLine.FindStringSubmatch(t)
			if m == nil || strings.HasPrefix(m[1], "_") || m[1] == "model_config" || strings.HasPrefix(m[2], "ClassVar") {
				continue
			}
			if !textField.MatchString(m[2]) {
				continue // a bool, an int: never a database URL
			}
			f := SettingsField{Name: m[1], Line: i + 1}
			if def := m[3]; def != "" {
				if lit, ok := pyLiteral(def); ok {
					f.Default = &lit
				} else if a := fieldAlias.FindStringSubmatch(def); a != nil {
					f.Alias, _ = pyLiteral(a[1])
				}
			}
			s.Fields = append(s.Fields, f)
		}
	}
	return ""
}

// setting applies one configuration key.
func (s *Settings) setting(k, v string) string {
	switch k {
	case "env_file":
		if v == "None" {
			s.EnvFiles = nil
			return ""
		}
		if lit, ok := pyLiteral(v); ok {
			s.EnvFiles = []string{lit}
			return ""
		}
		if len(v) >= 2 && (v[0] == '(' && v[len(v)-1] == ')' || v[0] == '[' && v[len(v)-1] == ']') {
			s.EnvFiles = nil
			for _, e := range strings.Split(v[1:len(v)-1], ",") {
				if strings.TrimSpace(e) == "" {
					continue
				}
				lit, ok := pyLiteral(e)
				if !ok {
					return "env_file " + shownCode(v) + " is only known at run time"
				}
				s.EnvFiles = append(s.EnvFiles, lit)
			}
			return ""
		}
		return "env_file " + shownCode(v) + " is only known at run time"
	case "env_prefix":
		lit, ok := pyLiteral(v)
		if !ok {
			return "env_prefix " + shownCode(v) + " is only known at run time"
		}
		s.Prefix = lit
	case "case_sensitive":
		switch v {
		case "True":
			s.CaseSensitive = true
		case "False":
			s.CaseSensitive = false
		default:
			return "case_sensitive " + shownCode(v) + " is only known at run time"
		}
	}
	return ""
}

// Modes are the modes its env files are named for, when every one is
// named for a mode (env_file=".env.test": test); nil otherwise. A class
// that reads .env beside .env.prod (env_file=(".env", ".env.prod")) reads
// both whatever the mode, the later winning: pydantic-settings has no mode.
func (s *Settings) Modes() []string {
	var out []string
	for _, f := range s.EnvFiles {
		m := fileMode(path.Base(f))
		if m == "" {
			return nil
		}
		out = append(out, m)
	}
	return out
}

// Loader is the class as a loader; read it with dir the working folder.
func (s *Settings) Loader() *Loader {
	files := s.EnvFiles
	return &Loader{Name: s.Label(), Call: s.Label() + ": pydantic-settings", Application: true,
		Files: func(string) []string { return files }, dialect: dialectPython, read: s.read}
}

func (s *Settings) fold(k string) string {
	if s.CaseSensitive {
		return k
	}
	return strings.ToLower(k)
}

func (s *Settings) read(c *readCtx) {
	c.r.NoEnv = true // the application reads the settings object
	// Each file as dotenv_values reads it (interpolated, the file
	// winning), merged, the later file winning.
	type fv struct {
		d *Def
		v string
	}
	merged := map[string]fv{}
	for _, name := range s.EnvFiles {
		p := path.Clean(join(c.r.Dir, name))
		if path.IsAbs(name) || p == ".." || strings.HasPrefix(p, "../") {
			continue
		}
		defs, ok := c.fileAt(p)
		if !ok || c.r.Err != nil {
			continue
		}
		values, ok := dotenvValues(c, defs)
		if !ok {
			return
		}
		for i := range defs {
			d := &defs[i]
			if d.NoValue {
				continue
			}
			merged[s.fold(d.Key)] = fv{d, values[d.Key]}
		}
	}
	env := map[string]string{}
	for k, v := range c.in.Environ {
		env[s.fold(k)] = v
	}
	for _, f := range s.Fields {
		name := s.Prefix + f.Name
		if f.Alias != "" {
			name = f.Alias
		}
		key, out := s.fold(name), strings.ToUpper(f.Name)
		if v, ok := env[key]; ok {
			c.r.vars[out] = Value{Value: v}
			continue
		}
		if m, ok := merged[key]; ok {
			d := *m.d
			d.Key = out
			c.set(&d, m.v)
			continue
		}
		if f.Default != nil {
			d := Def{Key: out, Value: *f.Default, File: s.File, Line: f.Line}
			c.set(&d, *f.Default)
		}
	}
}
