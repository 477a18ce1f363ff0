// Package services finds the applications of a monorepo and gives each its
// own configuration and its own env judgement.
//
// "Exactly one database in effect" is a promise about one application. A
// service is a folder below the project root with its own dbguard.yaml, or
// one listed under services: in the root's. Each service is judged as a
// project of its own (its env files, loaders, migrations, expectations),
// with the env files above it that its loaders read upward; the root's own
// judgement leaves the services' folders out. Two services may name two
// databases; within one, a second database is still a conflict.
package services

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
	"github.com/dbguard/dbguard/internal/tool"
)

// Service is one application of the project.
type Service struct {
	Name string
	// Path is its folder, a slash path relative to the project root.
	Path string
	// DependsOn are services migrated before it; SharesDatabaseWith those
	// that use its database on purpose.
	DependsOn          []string
	SharesDatabaseWith []string
	// Config is its own dbguard.yaml (its Root is the service's folder),
	// else the defaults rooted there.
	Config *config.Config
	// line is where services: lists it in the root's dbguard.yaml (0 when
	// found by its own dbguard.yaml).
	line int
}

// Project is a root and its services.
type Project struct {
	Root     string
	Config   *config.Config // the root's
	Services []*Service     // sorted by path; after Complete when found lazily
	// pending: found by FindLazy, its services not looked for yet.
	pending bool
	// dirs are the folders the search for services read from the disk,
	// handed on to the first env discovery (EnvOptions) so that it does
	// not read them again.
	dirs *envcheck.Dirs
}

// Complete looks for the services of a project FindLazy found; a no-op
// otherwise.
func (p *Project) Complete() error {
	return p.CompleteListed(nil)
}

// CompleteListed is Complete with the folders holding a dbguard.yaml
// found in a listing of the tree (the hook's: the index's files and one
// walk of folder names) instead of discovery's own walk; nil walks the
// disk.
func (p *Project) CompleteListed(l *envcheck.Listing) error {
	if !p.pending {
		return nil
	}
	// The root's adoption of its Prisma variables was left for now too:
	// the env judgement that follows reads them.
	if err := tool.AdoptURLVars(p.Config); err != nil {
		return err
	}
	full, err := loadFrom(p.Config, l)
	if err != nil {
		return err
	}
	*p = *full
	return nil
}

// Unit is what one command acts on: a service, or the root outside every
// service (Service nil).
type Unit struct {
	Project *Project
	Service *Service
}

// Config is the unit's configuration.
func (u *Unit) Config() *config.Config {
	if u.Service != nil {
		return u.Service.Config
	}
	return u.Project.Config
}

// Label names the unit for people: "service web (apps/web)", or "the
// project root".
func (u *Unit) Label() string {
	if u.Service == nil {
		return "the project root"
	}
	return fmt.Sprintf("service %s (%s/)", output.Escape(u.Service.Name), output.Escape(u.Service.Path))
}

// Name is the service's name, "" for the root.
func (u *Unit) Name() string {
	if u.Service == nil {
		return ""
	}
	return u.Service.Name
}

// EnvOptions are the options of the unit's env judgement: a service's
// from its own configuration, in its folder and with the files above it
// its loaders read upward; the root's without the services' folders.
func (u *Unit) EnvOptions(mode string, environ []string) envcheck.Options {
	p := u.Project
	if u.Service == nil {
		o := envcheck.OptionsFor(p.Config, mode, environ)
		o.Exclude = append(slices.Clone(o.Exclude), p.below("")...)
		o.Dirs = p.dirs
		return o
	}
	o := envcheck.OptionsFor(u.Service.Config, mode, environ)
	o.Root, o.Scope, o.Dirs = p.Root, u.Service.Path, p.dirs
	o.Exclude = append(slices.Clone(o.Exclude), p.below(u.Service.Path)...)
	return o
}

// below are exclude patterns, relative to the folder dir, for the
// services inside it: a service's folder is judged as that service only.
func (p *Project) below(dir string) []string {
	var out []string
	for _, s := range p.Services {
		switch {
		case dir == "":
			out = append(out, s.Path, s.Path+"/**")
		case strings.HasPrefix(s.Path, dir+"/"):
			rel := strings.TrimPrefix(s.Path, dir+"/")
			out = append(out, rel, rel+"/**")
		}
	}
	return out
}

// Units are every service and, first, the root.
func (p *Project) Units() []*Unit {
	out := []*Unit{{Project: p}}
	for _, s := range p.Services {
		out = append(out, &Unit{Project: p, Service: s})
	}
	return out
}

// Named finds a service by name, or by its folder (relative to the root,
// or to wd, the working directory).
func (p *Project) Named(name, wd string) (*Service, error) {
	clean := path.Clean(filepath.ToSlash(name))
	for _, s := range p.Services {
		if s.Name == name || s.Path == clean {
			return s, nil
		}
	}
	if abs, err := filepath.Abs(filepath.Join(wd, name)); err == nil {
		for _, s := range p.Services {
			if abs == filepath.Join(p.Root, filepath.FromSlash(s.Path)) {
				return s, nil
			}
		}
	}
	return nil, &UnknownError{Name: name, Known: p.names()}
}

func (p *Project) names() []string {
	var out []string
	for _, s := range p.Services {
		out = append(out, s.Name)
	}
	return out
}

// UnknownError is a --service that names no service.
type UnknownError struct {
	Name  string
	Known []string
}

func (e *UnknownError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("--service %s: this project has no services (a service is a folder below the root with its own %s, or one listed under services: there)", output.Escape(e.Name), config.FileName)
	}
	return fmt.Sprintf("--service %s: no such service (services: %s)", output.Escape(e.Name), strings.Join(e.Known, ", "))
}

// Hint names the next step.
func (e *UnknownError) Hint() string {
	return "list them with: dbguard services"
}

// PathTooLongError is a folder of the project whose path is longer than
// the system allows (PATH_MAX): no file in it can be opened by its path,
// by dbguard or by the application's loaders.
type PathTooLongError struct {
	Dir string // slash path relative to the root
}

func (e *PathTooLongError) Error() string {
	return fmt.Sprintf("%s/: its path is longer than the system allows (%d bytes), so no %s or env file in it can be read, by dbguard or a loader", output.Escape(e.Dir), unixPathMax, config.FileName)
}

// ExitCode is 2: the project's layout, not a check, is at fault.
func (e *PathTooLongError) ExitCode() int { return exitcode.Usage }

// Hint names the next step: its top folder left out, or moved.
func (e *PathTooLongError) Hint() string {
	top, _, _ := strings.Cut(e.Dir, "/")
	return fmt.Sprintf("move it nearer the project's root, or leave its top folder out with env.exclude in %s (env: {exclude: [%q]}), then run the command again", config.FileName, output.Escape(top))
}

// unixPathMax is Linux's PATH_MAX, with the NUL that ends the path.
const unixPathMax = 4096

// tooLong turns a file name too long for the system, at the folder rel,
// into a PathTooLongError.
func tooLong(err error, rel string) error {
	if errors.Is(err, syscall.ENAMETOOLONG) {
		return &PathTooLongError{Dir: rel}
	}
	return err
}

// Load finds the services of the project whose root configuration is
// root: those listed under services:, then every folder below the root
// with its own dbguard.yaml. A listed path that leaves the root, as
// written or through a symbolic link, is refused with its line.
func Load(root *config.Config) (*Project, error) {
	return loadFrom(root, nil)
}

func loadFrom(root *config.Config, l *envcheck.Listing) (*Project, error) {
	p := &Project{Root: root.Root, Config: root}
	realRoot, err := filepath.EvalSymlinks(root.Root)
	if err != nil {
		realRoot = root.Root
	}
	byPath := map[string]*Service{}
	for i, e := range root.Services {
		bad := func(msg string, key ...any) error {
			return &config.Error{File: root.Path, Line: root.Line(append([]any{"services", i}, key...)...), Msg: msg}
		}
		if e.Path == "" {
			return nil, bad("a service needs a path: the folder, relative to the root")
		}
		rel := path.Clean(filepath.ToSlash(e.Path))
		if path.IsAbs(rel) || filepath.IsAbs(e.Path) || rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, bad(fmt.Sprintf("service path %q leaves the project root %s; a service is a folder inside it", e.Path, root.Root), "path")
		}
		if rel == "." {
			return nil, bad(fmt.Sprintf("service path %q is the project root itself; a service is a folder below it", e.Path), "path")
		}
		if msg := tooDeep(rel); msg != "" {
			return nil, bad(msg, "path")
		}
		if err := inside(realRoot, root.Root, rel); err != nil {
			return nil, bad(err.Error(), "path")
		}
		if byPath[rel] != nil {
			return nil, bad(fmt.Sprintf("service path %q is listed twice", e.Path), "path")
		}
		s := &Service{Name: e.Name, Path: rel, DependsOn: e.DependsOn, SharesDatabaseWith: e.SharesDatabaseWith, line: root.Line("services", i)}
		if s.Name == "" {
			s.Name = path.Base(rel)
		}
		if err := checkNames(s); err != nil {
			return nil, bad(err.Error())
		}
		byPath[rel] = s
		p.Services = append(p.Services, s)
	}
	var walk func(string, fs.WalkDirFunc) error // the disk's
	if l != nil {
		walk = l.WalkDir
	} else {
		p.dirs = envcheck.NewDirs()
	}
	found, err := discover(root, walk, p.dirs)
	if err != nil {
		return nil, err
	}
	for _, rel := range found {
		if byPath[rel] != nil {
			continue
		}
		if msg := tooDeep(rel); msg != "" {
			return nil, &config.Error{File: filepath.Join(root.Root, filepath.FromSlash(rel), config.FileName), Msg: msg}
		}
		if err := inside(realRoot, root.Root, rel); err != nil {
			return nil, &config.Error{File: filepath.Join(root.Root, filepath.FromSlash(rel), config.FileName), Msg: err.Error()}
		}
		s := &Service{Name: path.Base(rel), Path: rel}
		if err := checkNames(s); err != nil {
			return nil, &config.Error{File: filepath.Join(root.Root, filepath.FromSlash(rel), config.FileName), Msg: err.Error()}
		}
		byPath[rel] = s
		p.Services = append(p.Services, s)
	}
	sort.Slice(p.Services, func(i, j int) bool { return p.Services[i].Path < p.Services[j].Path })
	for _, s := range p.Services {
		dir := filepath.Join(root.Root, filepath.FromSlash(s.Path))
		file := filepath.Join(dir, config.FileName)
		if _, err := os.Lstat(file); err == nil {
			c, err := config.Load(file)
			if err != nil {
				return nil, err
			}
			s.Config = c
		} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, &config.Error{File: root.Path, Line: s.line, Msg: fmt.Sprintf("service %s: %s is not a folder", output.Escape(s.Name), s.Path)}
		} else {
			s.Config = config.Default(dir)
		}
		if err := tool.AdoptURLVars(s.Config); err != nil {
			return nil, err
		}
	}
	return p, p.check()
}

// safeName is what a service name and each part of its path may hold:
// they go into CI matrices, and from there into workflow command lines
// (`dbguard ci --service ${{ matrix.service }}`), where $(...), a quote or
// a space would be shell syntax.
var safeName = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._@+-]*$`)

// checkNames refuses a service name or path a shell could read as syntax.
func checkNames(s *Service) error {
	for _, part := range strings.Split(s.Path, "/") {
		if !safeName.MatchString(part) {
			return fmt.Errorf("service folder %q: use letters, digits, '.', '_', '-', '@' and '+' in its path (it goes into CI matrices and command lines), or leave the folder out with env.exclude", s.Path)
		}
	}
	if !safeName.MatchString(s.Name) {
		return fmt.Errorf("service name %q: use letters, digits, '.', '_', '-', '@' and '+' (it goes into CI matrices and command lines)", s.Name)
	}
	return nil
}

// MaxServiceDepth is how many folders below the root a service may be.
// Each service's folder is resolved through its links and judged apart
// from the services inside it, so a chain of services each inside the one
// before costs about the chain's length cubed: 400 nested folders, each
// with a dbguard.yaml (a few KB in a pull request), took 7 s of CPU from
// every command, 2,000 would take minutes. A monorepo's services sit a
// few folders down.
const MaxServiceDepth = 32

// tooDeep says why a service folder (rel, slash-separated, from the root)
// is refused for its depth, "" when it is not.
func tooDeep(rel string) string {
	if n := strings.Count(rel, "/") + 1; n > MaxServiceDepth {
		return fmt.Sprintf("service folder %s is %d folders below the project root; dbguard takes services at most %d folders down (each is judged apart from those inside it, so deeper chains cost more than their size): move it up, or list the folder you mean under services: in the root's %s", output.Escape(clipPath(rel)), n, MaxServiceDepth, config.FileName)
	}
	return ""
}

// clipPath shortens a long path for a message: its first and last parts.
func clipPath(rel string) string {
	if len(rel) <= 120 {
		return rel
	}
	return rel[:50] + "/.../" + rel[len(rel)-50:]
}

// inside checks that the folder rel (relative to root) resolves, through
// symbolic links, inside the root: a repository may commit
// "apps/api -> /elsewhere", and dbguard would judge and migrate what is
// there as the project.
//
// It is safefile.Within on the real names, realRoot resolved once by the
// caller for every service, with two differences on purpose: a path that
// does not resolve is let through (Load says it is not a folder, a
// clearer error than "outside"), and one that resolves to the root itself
// (apps -> ..) is refused, as a path of "." is: a service is a folder
// below the root, else the root would be judged twice.
func inside(realRoot, root, rel string) error {
	p := filepath.Join(root, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil // missing: Load says it is not a folder
	}
	if safefile.Within(realRoot, real) && real != filepath.Clean(realRoot) {
		if file, err := filepath.EvalSymlinks(filepath.Join(p, config.FileName)); err == nil && !safefile.Within(realRoot, file) {
			return fmt.Errorf("service %s: its %s is a symbolic link to %q, outside the project root %s", rel, config.FileName, file, root)
		}
		return nil
	}
	return fmt.Errorf("service path %q is a symbolic link to %q, outside the project root %s; a service is a folder inside it", rel, real, root)
}

// check refuses names used twice and depends_on or shares_database_with
// naming no service, and a dependency cycle.
func (p *Project) check() error {
	names := map[string]*Service{}
	for _, s := range p.Services {
		if o := names[s.Name]; o != nil {
			return &config.Error{File: p.Config.Path, Line: s.line, Msg: fmt.Sprintf("two services are named %q (%s and %s); give one a name under services:", s.Name, o.Path, s.Path)}
		}
		names[s.Name] = s
	}
	for _, s := range p.Services {
		for _, d := range append(slices.Clone(s.DependsOn), s.SharesDatabaseWith...) {
			if names[d] == nil {
				return &config.Error{File: p.Config.Path, Line: s.line, Msg: fmt.Sprintf("service %s names %q, which is no service (services: %s)", s.Name, d, strings.Join(p.names(), ", "))}
			}
		}
	}
	_, err := p.Ordered()
	return err
}

// Ordered are the services in dependency order: each after those it
// depends on, else by path.
func (p *Project) Ordered() ([]*Service, error) {
	byName := map[string]*Service{}
	for _, s := range p.Services {
		byName[s.Name] = s
	}
	var out []*Service
	state := map[*Service]int{} // 1 visiting, 2 done
	var visit func(s *Service, chain []string) error
	visit = func(s *Service, chain []string) error {
		switch state[s] {
		case 2:
			return nil
		case 1:
			return &config.Error{File: p.Config.Path, Line: s.line, Msg: "depends_on makes a cycle: " + strings.Join(append(chain, s.Name), " -> ")}
		}
		state[s] = 1
		for _, d := range s.DependsOn {
			if byName[d] != nil {
				if err := visit(byName[d], append(chain, s.Name)); err != nil {
					return err
				}
			}
		}
		state[s] = 2
		out = append(out, s)
		return nil
	}
	for _, s := range p.Services {
		if err := visit(s, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// discover lists the folders below the root (slash paths) holding a
// dbguard.yaml, leaving out what env discovery leaves out (dependencies,
// build output, env.exclude: test fixtures). Symbolic links are not
// followed.
//
// Each folder's own listing says whether it holds one: a stat of
// dbguard.yaml in every folder was a system call per folder of the tree
// (1,000 of them in the 1,000-env-file bench), on top of reading it.
func discoverDisk(root *config.Config, dirs *envcheck.Dirs) ([]string, error) {
	var out []string
	// Below a clean root the folders are joined without filepath.Join's
	// pass over each path (the same strings: Dirs shares the listings by
	// path with discovery's walk, which joins them the same way).
	clean := envcheck.CleanDir(root.Root)
	// Each folder is opened from its parent's descriptor (Dirs.ReadDirAt),
	// held open while the walk is below it.
	var walk func(parent envcheck.Folder, base, dir, rel string) error
	walk = func(parent envcheck.Folder, base, dir, rel string) error {
		entries, f, err := dirs.ReadDirAt(parent, base, dir)
		defer f.Close()
		if err != nil {
			if rel == "" {
				return err
			}
			// Unlisted (searchable, not readable): its dbguard.yaml may
			// still be there, as a stat of it would find.
			if _, err := os.Lstat(filepath.Join(dir, config.FileName)); err == nil {
				out = append(out, rel)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return tooLong(err, rel)
			}
			return nil
		}
		if rel != "" {
			if _, found := slices.BinarySearchFunc(entries, config.FileName, func(e fs.DirEntry, name string) int {
				return strings.Compare(e.Name(), name)
			}); found {
				out = append(out, rel)
			}
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			sub := e.Name()
			if rel != "" {
				sub = rel + "/" + sub
			}
			if envcheck.SkippedDir(e.Name()) || excluded(root.Env.Exclude, sub) {
				continue
			}
			if err := walk(f, e.Name(), envcheck.JoinListed(dir, e.Name(), clean), sub); err != nil {
				return err
			}
		}
		return nil
	}
	// As filepath.WalkDir did: a root that is a link is not followed.
	if st, err := os.Lstat(root.Root); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, nil
	}
	err := walk(envcheck.Folder{}, root.Root, root.Root, "")
	return out, err
}

// discover is discoverDisk (keeping what it reads in dirs), or with a
// walk (a Listing's) the folders that walk lists.
func discover(root *config.Config, walk func(string, fs.WalkDirFunc) error, dirs *envcheck.Dirs) ([]string, error) {
	if walk == nil {
		return discoverDisk(root, dirs)
	}
	var out []string
	err := walk(root.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root.Root {
				return err
			}
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() || p == root.Root {
			return nil
		}
		rel, _ := filepath.Rel(root.Root, p)
		rel = filepath.ToSlash(rel)
		if envcheck.SkippedDir(d.Name()) || excluded(root.Env.Exclude, rel) {
			return filepath.SkipDir
		}
		if _, err := os.Lstat(filepath.Join(p, config.FileName)); err == nil {
			out = append(out, rel)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return tooLong(err, rel)
		}
		return nil
	})
	return out, err
}

func excluded(patterns []string, rel string) bool {
	for _, p := range patterns {
		if envcheck.MatchGlob(p, rel) {
			return true
		}
	}
	return false
}

// Find is the project and the unit for work in dir: with explicit (a
// --config file), that file's project at its root; else the nearest
// dbguard.yaml, which is a service's when a dbguard.yaml further up (or
// the git root's defaults) lists or finds its folder as one.
func Find(dir, explicit string) (*Unit, error) {
	return find(dir, explicit, false)
}

// FindLazy is Find for a command that may not need the services (the
// hook with no env file staged): at a project root its services are not
// looked for until Project.Complete, as walking a large tree costs more
// than the command itself.
func FindLazy(dir, explicit string) (*Unit, error) {
	return find(dir, explicit, true)
}

func find(dir, explicit string, lazy bool) (*Unit, error) {
	cfg, err := config.Discover(dir, explicit)
	if err != nil {
		return nil, err
	}
	if explicit == "" && cfg.Path != "" {
		if parent, err := parentProject(cfg.Root); err == nil && parent != nil {
			for _, s := range parent.Services {
				if filepath.Join(parent.Root, filepath.FromSlash(s.Path)) == cfg.Root {
					return &Unit{Project: parent, Service: s}, nil
				}
			}
		} else if err != nil {
			return nil, err
		}
	}
	root := projectRoot(cfg)
	if lazy && root {
		// Nor is the Prisma schema read (tool detection, a listing of the
		// root and stats in each folder): the hook with no env file staged
		// judges no URL variable. Complete adopts them.
		return &Unit{Project: &Project{Root: cfg.Root, Config: cfg, pending: true}}, nil
	}
	// After the parent's search: a service found there has its own
	// configuration, adopted by Load.
	if err := tool.AdoptURLVars(cfg); err != nil {
		return nil, err
	}
	if !root {
		return &Unit{Project: &Project{Root: cfg.Root, Config: cfg}}, nil
	}
	p, err := Load(cfg)
	if err != nil {
		return nil, err
	}
	return &Unit{Project: p}, nil
}

// projectRoot reports whether services are looked for below cfg's root:
// it has a dbguard.yaml or is a git root (not any folder a command runs
// in, which may be a home directory).
func projectRoot(cfg *config.Config) bool {
	if cfg.Path != "" {
		return true
	}
	_, err := os.Stat(filepath.Join(cfg.Root, ".git"))
	return err == nil
}

// parentProject is the project above a service's folder, nil when none.
func parentProject(serviceRoot string) (*Project, error) {
	if _, err := os.Stat(filepath.Join(serviceRoot, ".git")); err == nil {
		return nil, nil // a repository of its own
	}
	up := filepath.Dir(serviceRoot)
	if up == serviceRoot {
		return nil, nil
	}
	cfg, err := config.Discover(up, "")
	if err != nil {
		return nil, err
	}
	// Only a dbguard.yaml above makes a folder a service when working
	// inside it: a project whose only dbguard.yaml is below the git root
	// stays a project of its own there, as it always was.
	if cfg.Path == "" {
		return nil, nil
	}
	return Load(cfg)
}
