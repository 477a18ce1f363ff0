package tool

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// CheckDotenvRun refuses a dbguard exec command line that runs its
// command through python-dotenv's CLI (dotenv run, python-dotenv run;
// checked with python-dotenv 0.21.0): run sets the env file's variables
// over the environment it was given (--override is its default), so a
// DATABASE_URL or PYTHONPATH there replaced the guarded URL and dropped
// the connection guard. --no-override keeps what dbguard set; a
// migration tool run so is refused whatever the flag, since exec would
// not know it runs the tool (the env file's ALEMBIC_CONFIG, none of the
// tool's checks), and dbguard gives the tool its variables itself.
func CheckDotenvRun(args []string) error {
	if len(args) < 2 {
		return nil
	}
	if name := filepath.Base(args[0]); name != "dotenv" && name != "python-dotenv" {
		return nil
	}
	i := 1
	for ; i < len(args) && args[i] != "run"; i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return nil // another subcommand: list, get, set
		}
		if slices.Contains([]string{"-f", "--file", "-q", "--quote", "-e", "--export"}, a) {
			i++ // its value
		}
	}
	if i >= len(args) {
		return nil
	}
	run, override := i, true
	for i++; i < len(args); i++ {
		switch args[i] {
		case "--override":
			override = true
			continue
		case "--no-override":
			override = false
			continue
		}
		break
	}
	rest := args[i:]
	if k := KindOf(rest); k != "" {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "dotenv run gives " + string(k) + " the env file's variables, and exec would not know it runs " + string(k) + ": none of its checks, and the file's own settings for it (ALEMBIC_CONFIG, its URL variables) where dbguard sets the ones it checked",
			Next: "let dbguard give it the environment and run: dbguard exec -- " + strings.Join(shellWords(rest), " ")}
	}
	if override && len(rest) > 0 {
		fixed := append(append(slices.Clone(args[:run+1]), "--no-override"), rest...)
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "dotenv run sets the env file's variables over the environment dbguard gives the command (--override is its default): a DATABASE_URL or PYTHONPATH there would replace the guarded URL and the connection guard",
			Next: "keep what dbguard sets and run: dbguard exec -- " + strings.Join(shellWords(fixed), " ")}
	}
	return nil
}
