package tool

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// prismaConfigNames are the files Prisma's CLI (6.x, 7) takes its config
// from in the folder it runs in, in its order. Since Prisma 7 the
// datasource's URL is written there (url: env("DATABASE_URL")), no longer
// in the schema.
var prismaConfigNames = func() []string {
	var out []string
	for _, base := range []string{"prisma.config", filepath.Join(".config", "prisma")} {
		for _, ext := range []string{".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"} {
			out = append(out, base+ext)
		}
	}
	return out
}()

var (
	// configDatasource opens the datasource block; configURL is its url.
	configDatasource = lazyre.New(`\bdatasource\s*:`)
	configURL        = lazyre.New(`(?:^|[\s{,])(?:url|['"]url['"])\s*:\s*(.*)$`)
	// configEnvRead is a url that reads one variable of the environment:
	// Prisma's env("X"), process.env.X, process.env["X"].
	configEnvRead = lazyre.New("^(?:env\\(\\s*['\"`]([A-Za-z_][A-Za-z0-9_]*)['\"`]\\s*\\)|process\\.env\\.([A-Za-z_][A-Za-z0-9_]*)|process\\.env\\[\\s*['\"`]([A-Za-z_][A-Za-z0-9_]*)['\"`]\\s*\\])")
	// configOverride is dotenv loaded over the environment.
	configOverride = lazyre.New(`\boverride\s*:\s*true\b`)
)

// prismaConfigTraps reads the Prisma config file in the tool's folder for
// what would make prisma migrate connect elsewhere than the URL dbguard
// sets (set: the variables it sets): a datasource url that is not one of
// them (a literal URL, another variable, code), and dotenv loaded with
// override: true, which replaces them with an env file's values. A line
// is read after its // comment is cut; the URL itself is never quoted.
func prismaConfigTraps(workdir string, set []string) []Trap {
	for _, name := range prismaConfigNames {
		path := filepath.Join(workdir, name)
		f, err := safefile.Open(path) // a FIFO never blocks
		if err != nil {
			continue
		}
		f.Close()
		var traps []Trap
		at := func(n int) string { return fmt.Sprintf("%s:%d", output.Escape(filepath.ToSlash(name)), n) }
		inDatasource := false
		scanLines(path, func(n int, line string) {
			code := line
			if i := strings.Index(code, "//"); i >= 0 && !strings.HasSuffix(code[:i], ":") {
				code = code[:i]
			}
			if configOverride.MatchString(code) {
				traps = append(traps, Trap{File: at(n),
					What: "dotenv loaded with override: true replaces the URL dbguard gives Prisma with whatever the env file says (a pooled URL, another database)",
					Fix:  "drop override: true (the variables dbguard sets then win), then run the command again"})
			}
			if configDatasource.MatchString(code) {
				inDatasource = true
			}
			m := configURL.FindStringSubmatch(code)
			if !inDatasource || m == nil {
				return
			}
			value := strings.TrimSpace(m[1])
			if r := configEnvRead.FindStringSubmatch(value); r != nil {
				if v := r[1] + r[2] + r[3]; slices.Contains(set, v) {
					return
				}
			}
			traps = append(traps, Trap{File: at(n),
				What: fmt.Sprintf("the datasource url in %s is not a variable dbguard sets (%s), so Prisma connects to and migrates what it names whatever dbguard says", output.Escape(filepath.ToSlash(name)), strings.Join(set, ", ")),
				Fix:  fmt.Sprintf(`write url: env("%s") on line %d of %s and put the URL in an ignored .env file, then run the command again`, set[0], n, output.Escape(filepath.ToSlash(name)))})
		})
		return traps // the first config file found is the one Prisma reads
	}
	return nil
}
