package verify

import (
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Budget holds a preview to plan.max_file_size and plan.max_total_size:
// every migration file it reads (the applied ones its shadow replays, the
// pending ones a plan traces) is scanned statement by statement, at up to
// seconds of CPU per MiB, and on a pull request the files are the
// branch's. A file past a cap is not read past it. One Budget counts one
// preview's files; it is safe for concurrent use.
type Budget struct {
	cfg *config.Config
	// Command is the command to run again once the cap is raised.
	Command string

	mu    sync.Mutex
	total int64
}

// NewBudget is the budget of a preview run by command (for the hint).
func NewBudget(cfg *config.Config, command string) *Budget {
	return &Budget{cfg: cfg, Command: command}
}

// Read reads a migration file of src within the caps: a *SizeError when
// it is past plan.max_file_size, or past what plan.max_total_size leaves
// of the files read so far.
func (b *Budget) Read(src *migrate.Source, name string) ([]byte, error) {
	perFile, all := int64(b.cfg.Plan.MaxFileSize), int64(b.cfg.Plan.MaxTotalSize)
	if perFile <= 0 {
		perFile = int64(config.DefaultMaxFileSize)
	}
	if all <= 0 {
		all = int64(config.DefaultMaxTotalSize)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	left := all - b.total
	data, err := src.ReadFileMax(name, max(0, min(perFile, left)))
	var tl *safefile.TooLargeError
	if errors.As(err, &tl) {
		e := &SizeError{File: src.Path(name), Size: tl.Size, Cap: config.ByteSize(perFile), Key: "max_file_size", Command: b.Command, cfg: b.cfg}
		if tl.Size <= perFile {
			e.Size, e.Cap, e.Key = b.total+tl.Size, config.ByteSize(all), "max_total_size"
		}
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	b.total += int64(len(data))
	return data, nil
}

// SizeError is a migration file past a preview's cap: exit 2, the
// configuration decides.
type SizeError struct {
	File string
	// Size is the file's size (max_file_size), or what the preview's
	// files come to with it (max_total_size); at least Cap+1.
	Size    int64
	Cap     config.ByteSize
	Key     string // max_file_size or max_total_size, under plan:
	Command string
	cfg     *config.Config
}

func (e *SizeError) Error() string {
	what := fmt.Sprintf("%s bytes", Thousands(e.Size))
	if e.Key == "max_total_size" {
		what = fmt.Sprintf("the migration files this preview reads come to %s bytes with it", Thousands(e.Size))
	}
	return fmt.Sprintf("%s: %s, over plan.%s (%s): a preview scans every statement of its migration files, at up to seconds of CPU per MiB", output.Escape(output.FilePath(e.File)), what, e.Key, e.Cap)
}

// ExitCode is 2: the cap is configuration.
func (e *SizeError) ExitCode() int { return exitcode.Usage }

// Hint says how to raise the cap, and what to run then.
func (e *SizeError) Hint() string {
	raise := config.ByteSize(1 << 20)
	for int64(raise) < e.Size {
		raise *= 2
	}
	where := config.FileName
	if e.cfg != nil && e.cfg.Path != "" {
		where = output.FilePath(e.cfg.Path)
		if line := e.cfg.Line("plan", e.Key); line > 0 {
			where += ":" + strconv.Itoa(line)
		}
	}
	cmd := e.Command
	if cmd == "" {
		cmd = "the command again"
	}
	return fmt.Sprintf("if the file is meant to be this large, set  %s: %s  under plan: in %s (on a pull request the base branch's value counts until it is merged); then run: %s", e.Key, raise, output.Escape(where), cmd)
}

// Thousands is n with a comma between each three digits (12,345,678),
// as the previews' messages print sizes and row counts.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
