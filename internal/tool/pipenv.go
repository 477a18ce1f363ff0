package tool

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// CheckPipenv refuses a dbguard exec command line that runs pipenv
// (pipenv run, pipenv shell) where the repository, not dbguard, would
// choose what the child gets, checked with pipenv 2022.12.19:
//   - pipenv loads the project's .env over the environment it was given
//     (python-dotenv's load_dotenv with override=True): a PYTHONPATH there
//     drops the connection guard dbguard puts first on it, an
//     ALEMBIC_CONFIG or a DATABASE_URL there wins over the one dbguard
//     checked and set. PIPENV_DONT_LOAD_ENV set to what pipenv reads as
//     true (anything but "", 0, false, no, off) stops it;
//   - pipenv run NAME runs the Pipfile's [scripts] NAME when it has one,
//     not the command named: an "alembic" script is any command line.
//
// root is the project's top, wd where pipenv runs; the Pipfiles read are
// those in wd and the folders above it up to root, as pipenv looks for
// one upward.
func CheckPipenv(root, wd string, args []string) error {
	if len(args) < 2 || filepath.Base(args[0]) != "pipenv" {
		return nil
	}
	sub := -1 // where pipenv's subcommand is, after its own options
	for i, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			sub = i + 1
			break
		}
	}
	if sub < 0 || args[sub] != "run" && args[sub] != "shell" {
		return nil
	}
	shown := strings.Join(shellWords(args), " ")
	if !pipenvTrue(os.Getenv("PIPENV_DONT_LOAD_ENV")) {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "pipenv " + args[sub] + " loads the project's .env over the environment dbguard gives it (python-dotenv, override): a PYTHONPATH, ALEMBIC_CONFIG or DATABASE_URL there would win over what dbguard checked and set, and its connection guard",
			Next: "let dbguard give the environment and run: PIPENV_DONT_LOAD_ENV=1 dbguard exec -- " + shown}
	}
	if args[sub] != "run" || sub+1 >= len(args) {
		return nil
	}
	name := args[sub+1]
	for dir := wd; ; dir = filepath.Dir(dir) {
		rel, err := filepath.Rel(root, dir)
		if err != nil || !filepath.IsLocal(rel) && rel != "." {
			return nil
		}
		if line := pipfileScript(root, filepath.Join(rel, "Pipfile"), name); line > 0 {
			at := output.Escape(output.RelTo(root, filepath.Join(dir, "Pipfile")))
			next := "rename the script in " + at + ", then run the command again"
			if name == "alembic" {
				next = "run Alembic without the script: PIPENV_DONT_LOAD_ENV=1 dbguard exec -- " + strings.Join(shellWords(append([]string{"pipenv", "run", "python", "-m"}, args[sub+1:]...)), " ")
			}
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("%s:%d: the Pipfile's [scripts] defines %s, so pipenv run %s runs that script's command line, not %s: dbguard checks the command it is given, and would not know what runs", at, line, output.Escape(name), output.Escape(name), output.Escape(name)),
				Next: next}
		}
		if dir == root || filepath.Dir(dir) == dir {
			return nil
		}
	}
}

// pipenvTrue is whether pipenv reads a PIPENV_DONT_LOAD_ENV value as set
// (get_from_env and env_to_bool): a boolean word is itself, any other
// non-empty text true, "" false.
func pipenvTrue(v string) bool {
	return v != "" && !slices.Contains([]string{"0", "false", "no", "off"}, strings.ToLower(v))
}

// pipfileScript is the line where the Pipfile at rel (below root, read
// inside it) defines the script name: a key in its [scripts] table, a
// dotted scripts.name key, or a scripts inline table holding the name; 0
// for none or no file. A key of that name in another table ([packages]
// alembic = "*") is no script.
func pipfileScript(root, rel, name string) int {
	data, err := safefile.ReadUnder(root, rel, 1<<20)
	if err != nil {
		return 0
	}
	table := ""
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			table = strings.Trim(strings.TrimSpace(strings.Trim(l, "[]")), `"'`)
			continue
		}
		key, value, ok := strings.Cut(l, "=")
		if !ok || l[0] == '#' {
			continue
		}
		key = strings.TrimSpace(key)
		parts := strings.Split(key, ".")
		for j := range parts {
			parts[j] = strings.Trim(strings.TrimSpace(parts[j]), `"'`)
		}
		switch {
		case table == "scripts" && len(parts) == 1 && parts[0] == name,
			table == "" && len(parts) == 2 && parts[0] == "scripts" && parts[1] == name,
			table == "" && len(parts) == 1 && parts[0] == "scripts" && strings.Contains(value, name):
			return i + 1
		}
	}
	return 0
}
