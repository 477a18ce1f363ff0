package envload

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string
	}{
		{"package.json", `{"dependencies": {"next": "16", "react": "19"}, "devDependencies": {"prisma": "6"}}`, []string{"dotenv-expand", "next"}},
		{"package.json", `{"devDependencies": {"vite": "8", "dotenv": "17"}}`, []string{"dotenv", "vite"}},
		{"package.json", `{"dependencies": {"@next/env": "16", "dotenv-flow": "4"}}`, []string{"dotenv-flow", "next"}},
		{"package.json", `not json`, nil},
		{"package.json", `{"dependencies": {"express": "5"}}`, nil},
		{"requirements.txt", "fastapi==0.1\npython-dotenv>=1.0\n", []string{"python-dotenv"}},
		{"requirements-dev.txt", "python_dotenv\n", []string{"python-dotenv"}},
		{"pyproject.toml", "[project]\ndependencies = [\"pydantic-settings>=2\", \"python-dotenv\"]\n", []string{"pydantic-settings", "python-dotenv"}},
		{"Pipfile", "[packages]\nnot-python-dotenv-x = \"*\"\n", nil},
		{"go.mod", "module x\nrequire github.com/joho/godotenv v1.5.1\n", []string{"godotenv"}},
		{"docker-compose.yml", "services: {}\n", []string{"compose"}},
		{"compose.yaml", "services: {}\n", []string{"compose"}},
	}
	for _, tt := range tests {
		if got := Detect(tt.name, []byte(tt.data)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Detect(%s, %q) = %v, want %v", tt.name, tt.data, got, tt.want)
		}
		if !IsManifest(tt.name) {
			t.Errorf("IsManifest(%s) = false", tt.name)
		}
	}
	for _, n := range []string{".env", "main.go", "package-lock.json", "requirements.in"} {
		if IsManifest(n) {
			t.Errorf("IsManifest(%s) = true", n)
		}
	}
}

// Parse errors name file, line and key, never the value.
func TestParseErrorsHoldNoValue(t *testing.T) {
	const secret = "Zm9vYmFyc2VjcmV0"
	files := []string{
		"POSTGRES_PASSWORD: " + secret + "=\n",
		"A=1\nDATABASE_URL=\"postgres://app:" + secret + "@db/app\n",
		"DATABASE_URL postgres://app:" + secret + "=@h/db\n",
		"\uFEFFDATABASE_URL=postgres://app:" + secret + "@db/app\n",
		"my-key=" + secret + "\n",
		"A=${B:?" + secret + "}\n",
		// A quote inside the password: the rest of the value is read as the
		// next statement's name by godotenv and compose.
		"DATABASE_URL=\"postgres://app:Xy\"" + secret + "!Lw@db/app\"\n",
		"DATABASE_URL=\"postgres://app:Xy\"" + secret + "\n",
		secret + "!x\n",
	}
	for _, data := range files {
		in := &Input{Environ: map[string]string{}}
		for _, d := range dialects {
			_, _, err := d.parse(in, "backend/.env", []byte(data))
			if err == nil {
				continue
			}
			pe, ok := err.(*ParseError)
			if !ok {
				t.Errorf("%s: %T %v, want a *ParseError", d.name, err, err)
				continue
			}
			if pe.File != "backend/.env" || pe.Line < 1 {
				t.Errorf("%s: error at %s:%d", d.name, pe.File, pe.Line)
			}
			if msg := pe.Error() + pe.Hint(); strings.Contains(msg, secret) {
				t.Errorf("%s on %q: error shows the value: %s", d.name, data, msg)
			}
		}
	}
}

// Vite refuses the mode "local" with an error that says what to run next,
// even when another loader's reading of the same plain files is shared.
func TestViteRefusesModeLocal(t *testing.T) {
	in := &Input{Mode: "local", Environ: map[string]string{}, Files: func(rel string) ([]byte, bool, error) {
		if rel == ".env" {
			return []byte("DATABASE_URL=postgres://u@db/app\n"), true, nil
		}
		return nil, false, nil
	}}
	Read(LoaderNamed("dotenv"), in, ".", "")
	r := Read(LoaderNamed("vite"), in, ".", "")
	var me *ModeError
	if !errors.As(r.Err, &me) || !strings.Contains(me.Hint(), "--mode") {
		t.Fatalf("vite in mode local: %v", r.Err)
	}
}

// dotenv-flow started without NODE_ENV reads no mode file (dotenv-flow 4's
// listFiles: .env.defaults, .env, .env.local); ReadUnset is that reading
// beside Read's, which takes the mode checked for NODE_ENV.
func TestFlowReadUnset(t *testing.T) {
	files := map[string]string{
		".env":                   "DATABASE_URL=postgres://u@db-a/app\n",
		".env.local":             "DATABASE_URL=postgres://u@db-b/app\n",
		".env.development":       "DATABASE_URL=postgres://u@db-c/app\n",
		".env.development.local": "DATABASE_URL=postgres://u@db-d/app\n",
	}
	read := func(rel string) ([]byte, bool, error) {
		s, ok := files[rel]
		return []byte(s), ok, nil
	}
	flow := LoaderNamed("dotenv-flow")
	in := &Input{Mode: "development", Environ: map[string]string{}, Files: read, Keep: []string{"DATABASE_URL"}}
	if v, _ := Read(flow, in, ".", "").Lookup("DATABASE_URL"); v.Value != "postgres://u@db-d/app" {
		t.Fatalf("mode development: %q", v.Value)
	}
	unset := ReadUnset(flow, in, ".")
	if v, _ := unset.Lookup("DATABASE_URL"); v.Value != "postgres://u@db-b/app" || v.Location() != ".env.local:1" {
		t.Fatalf("NODE_ENV unset: %q at %s", v.Value, v.Location())
	}
	if got := strings.Join(unset.Files, " "); got != ".env .env.local" {
		t.Fatalf("NODE_ENV unset read %s", got)
	}
	// Set (even as the environment's own mode), NODE_ENV is what it reads.
	in.Environ["NODE_ENV"] = "production"
	if r := ReadUnset(flow, in, "."); r != nil {
		t.Fatalf("NODE_ENV set: %v", r.Files)
	}
	if r := ReadUnset(LoaderNamed("next"), &Input{Mode: "development", Environ: map[string]string{}, Files: read}, "."); r != nil {
		t.Fatal("next has no mode variable")
	}
}
