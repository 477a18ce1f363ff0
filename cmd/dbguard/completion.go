package main

import (
	"fmt"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Set at build time (make build): -ldflags "-X main.version=... -X main.commit=...".
var commit = ""

// versionString is the version and commit, from the build flags or, for
// `go install ...@vX`, from the module's build information.
func versionString() string {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" && len(s.Value) >= 12 {
				c = s.Value[:12]
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("%s (commit %s)", v, c)
}

// The shell scripts ask dbguard itself for completions
// (--generate-bash-completion, urfave/cli's protocol).
const bashCompletion = `# dbguard completion for bash: source <(dbguard completion bash)
_dbguard_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local request=("${COMP_WORDS[@]:0:COMP_CWORD}")
  if [[ "$cur" == -* ]]; then request+=("$cur"); fi
  COMPREPLY=($(compgen -W "$("${request[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _dbguard_complete dbguard
`

const zshCompletion = `#compdef dbguard
# dbguard completion for zsh: source <(dbguard completion zsh)
_dbguard() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then _describe 'values' opts; else _files; fi
}
compdef _dbguard dbguard
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash or zsh)",
		ArgsUsage: "bash|zsh",
		Description: `Examples:
   source <(dbguard completion bash)          # in ~/.bashrc
   source <(dbguard completion zsh)           # in ~/.zshrc`,
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash":
				_, err := fmt.Fprint(c.App.Writer, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(c.App.Writer, zshCompletion)
				return err
			}
			return usageError{fmt.Errorf("completion needs a shell: bash or zsh")}
		},
	}
}
