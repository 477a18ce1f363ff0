package envcheck

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// run is one loader started in one folder.
type run struct {
	loader *envload.Loader
	dir    string
	caller string
	// inUse: configured or detected; a loader merely assumed (nothing was
	// detected) that cannot read a file is a warning, not an error.
	inUse bool
	// why says how dbguard knows the loader runs there.
	why string
	// container: a compose service, whose environment is all its driver
	// sees (not the shell's); label names it in reports.
	container bool
	label     string
	published map[string]string // see envload.ComposeService.Published
}

// planRuns decides which loaders run where: the configured ones, else the
// ones each folder's nearest manifest names, else every application loader.
// Every folder with an env file, every manifest folder and the root is a
// place a process may start.
func planRuns(o Options, files []EnvFile, manifests map[string][]string) []run {
	var runs []run
	if len(o.Loaders) > 0 {
		for _, lr := range o.Loaders {
			l := envload.LoaderNamed(lr.Loader)
			if l == nil || !l.Applies(o.Mode) {
				continue
			}
			dir := scoped(o.Scope, cleanDir(lr.Dir))
			runs = append(runs, run{loader: l, dir: dir, caller: scoped(o.Scope, cleanDir(lr.Caller)), inUse: true, why: "env.loaders in dbguard.yaml"})
		}
		return runs
	}
	dirs := []string{scopeDir(o.Scope)}
	for _, f := range files {
		// A service's env.files may name a file above its folder (a
		// monorepo's shared/db.env): the service's word that it is one of
		// its env files, read by the loaders of its own folder as the
		// root's env.files are. Unread, its database went unjudged.
		if inScope(o.Scope, f.Dir()) || len(o.Files) > 0 && !f.byScript {
			dirs = append(dirs, f.Dir())
		}
	}
	for d, names := range manifests {
		if len(names) > 0 && inScope(o.Scope, d) {
			dirs = append(dirs, d)
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return dirLess(dirs[i], dirs[j]) })
	dirs = slices.Compact(dirs)
	// At most every loader in every folder, in one allocation: appending
	// run by run copied the growing slice a dozen times.
	runs = make([]run, 0, len(dirs)*len(envload.Loaders))
	// The loaders assumed where no manifest names one, listed once: per
	// folder the list grew from empty and a "detected in" text was made
	// and thrown away, 2,000 allocations for 500 folders without a
	// manifest (BenchmarkResolve1000: 84,931 -> 82,930 an operation).
	var assumed []string
	for _, l := range envload.Loaders {
		if l.Application {
			assumed = append(assumed, l.Name)
		}
	}
	for _, dir := range dirs {
		names, from := detectedFor(dir, manifests)
		inUse := len(names) > 0
		var why string
		if inUse {
			why = "detected in " + from
		} else {
			why, names = "assumed: no manifest names a loader", assumed
		}
		for _, l := range envload.Loaders {
			if slices.Contains(names, l.Name) && l.Applies(o.Mode) {
				runs = append(runs, run{loader: l, dir: dir, caller: dir, inUse: inUse, why: why})
			}
		}
	}
	return runs
}

// detectedFor returns the loaders the nearest manifest folder, dir or
// above, names (none: assume them all), and that folder. A folder's own
// package.json naming only astro is not overruled by the root's dotenv.
func detectedFor(dir string, manifests map[string][]string) ([]string, string) {
	for d := dir; ; d = dirOf(d) {
		if names, ok := manifests[d]; ok {
			return names, where(d)
		}
		if d == "." {
			return nil, ""
		}
	}
}

func cleanDir(d string) string {
	if d == "" {
		return "."
	}
	return path.Clean(filepath.ToSlash(d))
}

// where names a folder for people: "the project root" or "backend/",
// escaped (output.Escape): a folder's name is the repository's text.
func where(dir string) string {
	if dir == "." || dir == "" {
		return "the project root"
	}
	return output.Escape(dir) + "/"
}

// readManifests detects the loaders each manifest folder names.
func (r *Report) readManifests(o Options, paths []string) map[string][]string {
	out := map[string][]string{}
	for _, p := range paths {
		data, ok := o.Contents[p]
		if !ok {
			var err error
			// Inside the project only: a manifest that is a link out of
			// it is not read, as an unreadable one names nothing.
			if data, err = safefile.ReadUnder(o.Root, filepath.FromSlash(p), MaxManifestSize); err != nil {
				var big *safefile.TooLargeError
				if errors.As(err, &big) {
					r.warn("manifest", output.Escape(p), fmt.Sprintf("not read: %v; the loaders it names are not known", err))
				}
				continue // an unreadable manifest names nothing
			}
		}
		d := path.Dir(p)
		out[d] = append(out[d], envload.DetectIn(p, data, path.Base(p) == "package.json" && o.hasPrismaConfig(d))...) // a manifest naming none still counts
		slices.Sort(out[d])
		out[d] = slices.Compact(out[d])
	}
	return out
}

// hasPrismaConfig reports whether the folder d (slash-separated, relative
// to the root) holds a Prisma config file: in Contents when set (the
// hook's index, which holds the Prisma config files), else on the disk.
func (o Options) hasPrismaConfig(d string) bool {
	if o.Contents == nil {
		return hasPrismaConfig(o.Root, d)
	}
	for _, n := range envload.PrismaConfigNames {
		if _, ok := o.Contents[path.Join(d, n)]; ok {
			return true
		}
	}
	return false
}

// hasPrismaConfig reports whether the folder d (slash-separated, relative
// to root) holds a Prisma config file, a regular file.
func hasPrismaConfig(root, d string) bool {
	dir, err := os.OpenFile(filepath.Join(root, filepath.FromSlash(d)), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	names, _ := dir.Readdirnames(-1)
	dir.Close()
	if !envload.MayHoldPrismaConfig(names) {
		return false
	}
	for _, n := range envload.PrismaConfigNames {
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(d), filepath.FromSlash(n))); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// LoaderReading is what one loader, run in one folder, reads.
type LoaderReading struct {
	Loader string
	Call   string
	Dir    string
	Caller string // python-dotenv: where load_dotenv() is called from
	InUse  bool
	Why    string
	Files  []string
	// Reads are its values of the URL variables, by variable.
	Reads map[string]*Source
	// Empty are the URL variables it reads as empty, with where from.
	Empty map[string]string
	Err   error
	// reading is the model's whole answer; unusable the URL variables it
	// reads as something that is not a connection string.
	reading    *envload.Reading
	unusable   []string
	configured bool
	label      string
	where      string // where(Dir), when the judging made it for the folder's readings
	badKeys    []sourceKey
	pg         *[]string   // the PG* variables loading set, KEY=value, sorted
	names      secretNames // the judging's memo of the names that may hold a secret
	container  bool        // a compose service (see run.container)
	published  map[string]string
	// clean says the judging of this reading can stand for the readings
	// rebased from it (judgedCleanly); made which URL variables' sources
	// (a bit each, in vars' order) it made rather than found.
	clean bool
	made  uint8
}

// pgEnv are the PG* variables the loader set from files into the process
// environment (PGHOST=..., sorted): the driver reads them as it reads the
// process environment. A loader that only returns a map (Vite's loadEnv,
// dotenv_values, pydantic-settings, compose) sets none: its file's PGHOST
// never reaches the driver.
func (lr *LoaderReading) pgEnv() []string {
	if lr.pg == nil {
		var out []string
		sets := lr.reading.Loader.SetsEnviron()
		for k, v := range lr.reading.Variables() {
			if sets && strings.HasPrefix(k, "PG") {
				out = append(out, k+"="+v.Value)
			}
			if lr.names.may(k) && dburl.EnvironSecret(k, v.Value) {
				// PGPASSWORD in an env file: masked whether or not a
				// URL takes it (a child process may print it); so is a
				// token or key a URL refers to (${STRIPE_API_KEY}).
				dburl.AddSecret(v.Value)
			}
		}
		slices.Sort(out)
		// Most readings set none: they share one empty answer, where a
		// pointer to out made out escape, an allocation for each reading.
		lr.pg = &noPGEnv
		if len(out) > 0 {
			lr.pg = new([]string)
			*lr.pg = out
		}
	}
	return *lr.pg
}

// noPGEnv is pgEnv's answer for a reading that sets no PG* variable.
var noPGEnv []string

// secretNames memoises, by variable name, whether a value of it may be a
// secret the redactor masks (dburl.EnvironSecret: a [dburl.SecretVar] or
// an [dburl.EnvironSecretVar]), which the name alone decides: a monorepo's
// thousands of readings hold the same few names, and the names' tests
// (a dozen substring searches) were 3% of dbguard env's CPU on 1,000 env
// files. Nil tests every name.
type secretNames map[string]bool

func (m secretNames) may(name string) bool {
	if m == nil {
		return true
	}
	may, ok := m[name]
	if !ok {
		may = dburl.SecretVar(name) || dburl.EnvironSecretVar(name)
		m[strings.Clone(name)] = may
	}
	return may
}

func (lr *LoaderReading) pgSig() string { return strings.Join(lr.pgEnv(), "\x00") }

// Label is "vite in backend/".
func (lr *LoaderReading) Label() string {
	if lr.label == "" {
		at := lr.where
		if at == "" {
			at = where(lr.Dir)
		}
		lr.label = lr.Loader + " in " + at
	}
	return lr.label
}

// explainMissing says where and why a loader reads no usable URL
// variable v (the loader itself is named by the caller).
func (lr *LoaderReading) explainMissing(v string) (loc, cause string) {
	rd := lr.reading
	if loc, ok := lr.Empty[v]; ok {
		return loc, fmt.Sprintf("read %s as empty", v)
	}
	if val, ok := rd.Lookup("\uFEFF" + v); ok {
		return val.Location(), fmt.Sprintf("read no %s: a byte-order mark (U+FEFF) before it becomes part of the name; save the file as UTF-8 without BOM", v)
	}
	for _, s := range rd.Skipped {
		if s.Key == v {
			return s.Location(), fmt.Sprintf("skip this line (%s)", s.Reason)
		}
	}
	if lr.Err != nil {
		return errLocation(lr.Err), fmt.Sprintf("cannot read the file: %s", errMessage(lr.Err))
	}
	if len(lr.Files) == 0 {
		return where(lr.Dir), fmt.Sprintf("find none of their files there (%s)", strings.Join(rd.Loader.Files(rd.Mode), ", "))
	}
	return where(lr.Dir), fmt.Sprintf("find no %s in %s", v, strings.Join(lr.Files, ", "))
}
