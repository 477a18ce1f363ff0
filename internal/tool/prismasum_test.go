package tool

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPrismaChecksumGoldens holds dbguard to what the real Prisma says:
// scripts/prisma-checksum-goldens.sh had Prisma 6.19.3's schema engine
// apply each case's applied.sql (recording its checksum) and diagnose its
// checkout.sql (edited or not). dbguard must compute the checksum Prisma
// recorded, agree with sha256sum on a UTF-8 file, and call the checkout
// edited exactly when Prisma does: a CRLF checkout of an unedited file is
// not edited, a changed byte is.
func TestPrismaChecksumGoldens(t *testing.T) {
	dir := filepath.Join("testdata", "prismachecksum")
	f, err := os.Open(filepath.Join(dir, "goldens.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("goldens.tsv: %q", line)
		}
		c, recorded, sha256sum, edited := cols[0], cols[1], cols[2], cols[3] == "yes"
		seen[c] = true
		t.Run(c, func(t *testing.T) {
			applied, err := os.ReadFile(filepath.Join(dir, c, "applied.sql"))
			if err != nil {
				t.Fatal(err)
			}
			checkout, err := os.ReadFile(filepath.Join(dir, c, "checkout.sql"))
			if err != nil {
				t.Fatal(err)
			}
			_, overridden := os.Stat(filepath.Join(dir, c, "override"))
			if overridden != nil {
				// Prisma recorded it as it ran applied.sql.
				if got := prismaChecksum(applied); got != recorded {
					t.Errorf("prismaChecksum(applied.sql) = %s, Prisma recorded %s", got, recorded)
				}
				if utf8.Valid(applied) && sha256sum != recorded {
					t.Errorf("sha256sum %s, Prisma recorded %s", sha256sum, recorded)
				}
			}
			if got := !prismaMatches(checkout, recorded); got != edited {
				t.Errorf("edited = %v, Prisma says %v", got, edited)
			}
			if !prismaMatches(applied, recorded) && overridden != nil {
				t.Errorf("applied.sql does not match what Prisma recorded for it")
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	cases, _ := filepath.Glob(filepath.Join(dir, "*", "applied.sql"))
	for _, c := range cases {
		if name := filepath.Base(filepath.Dir(c)); !seen[name] {
			t.Errorf("case %s has no golden: run scripts/prisma-checksum-goldens.sh", name)
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d goldens", len(seen))
	}
}

// The cases of checksum.rs's own tests, as Prisma's schema engine states
// them: every line ending of a script matches the others' checksums, a
// lone CR stays, and a changed byte does not match.
func TestPrismaMatchesLikeTheEngine(t *testing.T) {
	if got := prismaChecksum([]byte("hello")); got != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Errorf("checksum(hello) = %s", got)
	}
	for _, group := range [][]string{
		{"ab\ncd\nef\ngh\rab", "ab\r\ncd\r\nef\r\ngh\rab"},
		{"ab\ncd\nef\ngh\rab\n", "ab\r\ncd\r\nef\r\ngh\rab\r\n"},
	} {
		for _, a := range group {
			for _, b := range group {
				if !prismaMatches([]byte(a), prismaChecksum([]byte(b))) {
					t.Errorf("%q does not match the checksum of %q", a, b)
				}
			}
		}
	}
	if prismaMatches([]byte("abc"), prismaChecksum([]byte("abcd"))) || prismaMatches([]byte("abc\n"), prismaChecksum([]byte("abc"))) {
		t.Error("a changed script matches")
	}
	if prismaMatches([]byte("abc"), "") {
		t.Error("an empty checksum matches")
	}
}

// nodeUTF8 decodes as Node's Buffer.toString('utf8') does (the WHATWG
// decoder): one U+FFFD per maximal ill-formed subsequence.
func TestNodeUTF8(t *testing.T) {
	r := "\uFFFD"
	for in, want := range map[string]string{
		"plain":                "plain",
		"\xef\xbb\xbfbom":      "\xef\xbb\xbfbom",
		"a\xffb":               "a" + r + "b",
		"\xe0\xa0 ":            r + " ",
		"\xed\xa0\x80":         r + r + r,
		"\xf0\x80":             r + r,
		"\xf0\x9f\x98":         r,
		"\xf0\x9f\x98\x80":     "\U0001F600",
		"\xf4\x90\x80\x80":     r + r + r + r,
		"\xc0\xaf":             r + r,
		"end\xe2\x82":          "end" + r,
		"\xe2\x82\xac\xe2\x82": "€" + r,
	} {
		if got := string(nodeUTF8([]byte(in))); got != want {
			t.Errorf("nodeUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}

// Which dbguard exec command lines run prisma migrate deploy, and so get
// the applied migrations checked first.
func TestPrismaDeploys(t *testing.T) {
	for args, want := range map[string]bool{
		"prisma migrate deploy":                               true,
		"npx prisma migrate deploy":                           true,
		"npx prisma migrate deploy --schema db/schema.prisma": true,
		"pnpm exec prisma migrate --schema=x.prisma deploy":   true,
		"npx prisma migrate resolve --rolled-back deploy":     false,
		"npx prisma migrate status":                           false,
		"npx prisma migrate dev":                              false,
		"npx prisma db push":                                  false,
		"npx prisma deploy":                                   false,
		// prisma migrate's own flags that take a value: the word after
		// is the value, and deploy still runs (Prisma's arg spec).
		"npx prisma migrate --telemetry-information x deploy": true,
		"npx prisma migrate --telemetry-information=x deploy": true,
		"npx prisma migrate --config c.ts deploy":             true,
	} {
		if got := PrismaDeploys(strings.Fields(args)); got != want {
			t.Errorf("PrismaDeploys(%s) = %v", args, got)
		}
	}
}
