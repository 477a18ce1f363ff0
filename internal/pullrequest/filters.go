package pullrequest

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// A git diff of the base's tree against the work tree (AddedLines,
// RemovedServices, renamedTo) reads a work tree file whose times are not
// the index's (a copied tree, an archive or build context with its .git,
// a racily clean entry) through its clean filter: filter.<driver>.clean
// or .process, a command the repository's git configuration names for
// the files its attributes (.gitattributes, .git/info/attributes) give
// that driver. The hook reads no work tree through git for that reason
// (internal/hooks configChanged); ci's diffs switch every configured
// driver off instead, so they compare the file's bytes as they are (a
// file a filter would have cleaned, as Git LFS does, then differs in
// every line: an exemption in it counts as new, the strict way).

// gitDiff runs git diff (args after "diff") in dir with every filter
// driver the configuration names switched off, and git's own prefixes
// (a/, b/) whatever the configuration says. The drivers are asked of git
// once per Base, not once per diff (up to three in a run): every diff a
// base's judging runs is in its one repository (the folder ci runs in or
// its top), whose configuration is the same from any of its folders.
func (b *Base) gitDiff(ctx context.Context, dir string, args ...string) ([]byte, error) {
	b.filters.Lock()
	if !b.filters.asked {
		b.filters.asked = true
		b.filters.off, b.filters.err = filtersOff(ctx, dir)
	}
	off, err := b.filters.off, b.filters.err
	b.filters.Unlock()
	if err != nil {
		return nil, err
	}
	// diff.renameLimit is git's default: the configuration's would
	// say which files git pairs as renamed (renamedTo).
	// core.quotePath=true: a name's bytes past ASCII are octal escapes,
	// which strconv.Unquote gives back byte for byte (diffPath).
	pre := append([]string{"-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "-c", "diff.renameLimit=1000", "-c", "core.quotePath=true"}, off...)
	return gitIn(ctx, dir, append(append(pre, "diff"), args...)...)
}

// filtersOff is the -c options that switch off every filter driver git's
// configuration in dir names (filter.NAME.clean, .smudge, .process), and
// make none required, so a driver named in the attributes runs nothing. A
// driver whose name -c cannot carry (an "=" or a line break in it) is an
// error, naming the file that sets it (--show-origin): only a
// configuration written to get past this holds one.
func filtersOff(ctx context.Context, dir string) ([]string, error) {
	out, err := gitIn(ctx, dir, "config", "-z", "--show-origin", "--get-regexp", `^filter\.`)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			return nil, nil // none set
		}
		return nil, err
	}
	seen := map[string]bool{}
	var off []string
	// Each setting is two records: where it is set, and the key, a line
	// break and the value.
	recs := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(recs); i += 2 {
		origin, rec := recs[i], recs[i+1]
		key, _, _ := strings.Cut(rec, "\n")
		// git writes the section and the key in lower case, the
		// driver's name as set.
		rest, ok := strings.CutPrefix(key, "filter.")
		j := strings.LastIndexByte(rest, '.')
		if !ok || j <= 0 {
			continue // filter.KEY without a driver: no command
		}
		name := rest[:j]
		if seen[name] {
			continue
		}
		seen[name] = true
		if strings.ContainsAny(name, "=\n\x00") {
			return nil, &FilterError{Name: name, Origin: filterOrigin(dir, origin)}
		}
		for _, k := range []string{"clean", "smudge", "process"} {
			off = append(off, "-c", "filter."+name+"."+k+"=")
		}
		off = append(off, "-c", "filter."+name+".required=false")
	}
	return off, nil
}

// filterOrigin is where git says a setting comes from (--show-origin):
// the file, relative to the folder the user runs ci in when it is inside
// it, else absolute (the user's, the system's, an include outside, the
// repository's .git/config seen from a service's folder below the top);
// "command line" for GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT; "" for
// anything else. git names a relative file from dir, where it ran (the
// folder ci runs in, or the repository's top): before, that name was
// kept, and from a service's folder the hint's git config --file
// .git/config failed ("could not lock config file sub/.git/config").
func filterOrigin(dir, origin string) string {
	if origin == "command line:" {
		return "command line"
	}
	file, ok := strings.CutPrefix(origin, "file:")
	if !ok || file == "" {
		return ""
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	return output.RelPath(file)
}

// FilterError is a filter driver whose name git -c cannot carry, so ci
// cannot switch it off for its diffs: it runs none (exit 2).
type FilterError struct {
	Name string
	// Origin is the file that sets it (relative to the folder ci runs
	// in when inside it, else absolute), "command line" for
	// the environment's GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT, or ""
	// when git did not say.
	Origin string
}

func (e *FilterError) Error() string {
	msg := "the git configuration names a filter driver " + output.Escape(e.Name) + " whose name git -c cannot switch off; dbguard ci runs no git diff through it"
	if e.Origin != "" && e.Origin != "command line" {
		msg += " (set in " + output.Escape(e.Origin) + ")"
	}
	return msg
}

// ExitCode is 2: the gate could not be configured.
func (e *FilterError) ExitCode() int { return exitcode.Usage }

// Hint is the command that removes the driver from where it is set: the
// repository's .git/config, the user's or the system's configuration, or
// a file one of them includes.
func (e *FilterError) Hint() string {
	section := output.ShellWord(output.Escape("filter." + e.Name))
	switch e.Origin {
	case "":
		return "look at where the repository's git configuration got it (git config --show-origin --get-regexp '^filter\\.'), remove it, then run dbguard ci again: git config --remove-section " + section
	case "command line":
		return "the environment sets it (GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT): run dbguard ci without them: unset GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT"
	}
	return "remove it from the file that sets it, then run dbguard ci again: git config --file " + output.ShellWord(output.Escape(e.Origin)) + " --remove-section " + section
}
