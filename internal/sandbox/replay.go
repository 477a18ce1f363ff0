package sandbox

import (
	"errors"
	"os"
	"path/filepath"
)

// The replay cache: a plan's sandbox replays every applied migration file
// into the shadow before it traces the pending ones (115-140 ms of the
// server's CPU for 134 files, quiet), although those files rarely change
// between two plans. After a replay the cluster is saved in the user's
// cache under a key that hashes everything the replay's outcome depends
// on; a later plan whose key is the same starts from the saved cluster
// instead of the template and skips the replay. The key is computed by
// dbguard, never read from a repository, and the entry's folder is named
// by it: a repository can decide what a replay runs (its files, which are
// in the key), not which entry a plan takes or where the cache is.
//
// Why an entry cannot carry anything from one plan into another that its
// own replay would not have produced: it is taken only under the same key,
// i.e. the same bytes ran in the same order as the same roles on the same
// binaries, template and dbguard, so the saved cluster is one that plan's
// own replay could have made (what a replay does not decide, time and
// chance: now(), random(), oids, is the first run's). The role the files
// ran as is neither a superuser nor CREATEROLE nor CREATEDB, so they could
// not change the server's configuration files, roles or databases; and the
// entry never holds live data: the sandbox holds only what the files made
// (the live server's role names are in the key).

// replayFormat changes with what an entry holds or how it is made (and so
// does the dbguard executable, whose identity is in every key).
const replayFormat = "dbguard replay cache 2"

// EnvNoCache, set to anything but "" or "0", turns the replay cache off
// (as --no-cache does). It is read from the process environment only:
// nothing in a repository (env files, dbguard.yaml) can set it or point
// the cache elsewhere.
const EnvNoCache = "DBGUARD_NO_CACHE"

// EnvCachePortable, set to anything but "" or "0", keys the replay cache
// by what the installation and dbguard are (their bytes) rather than by
// their files' identity on this machine, so that an entry restored into a
// fresh CI runner's cache from another job can be taken (the Action sets
// it). Read from the process environment only.
const EnvCachePortable = "DBGUARD_CACHE_PORTABLE"

// EnvCacheSave, set to "first", saves a replay at its key's first miss
// instead of its second: a CI job plans once, and the Action keeps the
// cache for the next job. Read from the process environment only.
const EnvCacheSave = "DBGUARD_CACHE_SAVE"

// Portable reports whether the process environment asks for portable keys.
func Portable() bool {
	v := os.Getenv(EnvCachePortable)
	return v != "" && v != "0"
}

// SaveFirst reports whether the process environment asks for a save at a
// key's first miss.
func SaveFirst() bool {
	return os.Getenv(EnvCacheSave) == "first"
}

// NoCache reports whether the process environment turns the cache off.
func NoCache() bool {
	v := os.Getenv(EnvNoCache)
	return v != "" && v != "0"
}

const (
	// replayEntries bounds the entries kept: the least recently used go.
	replayEntries = 4
	// replayMax bounds an entry's bytes, when saved and when copied back.
	replayMax = 256 << 20
	// replayMetaMax bounds an entry's meta file.
	replayMetaMax = 1024
)

// Replay is an entry of the replay cache: a cluster saved after the
// replay, its shadow database and the role the files ran as.
type Replay struct {
	Key    string
	Shadow string // the shadow database in the saved cluster
	Role   string // the migration role, as the key's files ran
	// Install is the installation's extension and library folders'
	// identity when the entry was saved (InstallID): what a file's
	// CREATE EXTENSION or LOAD read, which the key's binaries do not hold.
	Install string
	dir     string // the entry's folder: meta, and cluster (writeArchive)
}

// ReplayDir is the replay cache's folder: in the user's cache, beside the
// template clusters; "" when there is none.
func ReplayDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "dbguard", "sandbox", "replay")
}

// ErrSharedNotSaved is SaveReplay's answer on a shared test server, which
// is never saved: no user's plan runs on one, so nothing is said of it.
var ErrSharedNotSaved = errors.New("a shared server is not saved")
