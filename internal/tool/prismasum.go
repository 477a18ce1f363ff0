package tool

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Prisma records in _prisma_migrations.checksum the SHA-256 of each
// migration.sql it applies, and prisma migrate status / dev compare it with
// the file on disk. dbguard compares them as Prisma's schema engine does
// (schema-connector's checksum.rs, script_matches_checksum), so that what it
// calls edited is what Prisma calls "modified after it was applied":
//
//   - the script is the file read as text: Prisma 6.6 and later read it in
//     Node (fs.readFile with 'utf-8'), which decodes bytes that are not
//     UTF-8 to U+FFFD as the WHATWG decoder does (a BOM is kept), and the
//     engine hashes that string's UTF-8 bytes; for a valid UTF-8 file that
//     is the file's own bytes, the same as sha256sum;
//   - a script matches if its checksum, or that of the script with every
//     CRLF made LF, or with every LF made CRLF, is the recorded one: git
//     checks out a file with CRLF on Windows and LF elsewhere (the second
//     replacement is a plain one: a CRLF file becomes CR CR LF);
//   - a recorded checksum that is not empty and not 64 characters long was
//     written by an old engine that dropped each byte's leading zero
//     (prisma-engines issue 1887): it is compared in that form.

// prismaChecksumLen is the length of a checksum Prisma writes today.
const prismaChecksumLen = 64

// prismaChecksum is the checksum Prisma records for a migration.sql whose
// bytes are data.
func prismaChecksum(data []byte) string {
	sum := sha256.Sum256(nodeUTF8(data))
	return hex.EncodeToString(sum[:])
}

// prismaMatches reports whether data, a migration.sql's bytes, is what
// Prisma recorded as checksum when it applied it.
func prismaMatches(data []byte, recorded string) bool {
	script := nodeUTF8(data)
	format := func(sum [sha256.Size]byte) string { return hex.EncodeToString(sum[:]) }
	if recorded != "" && len(recorded) != prismaChecksumLen {
		format = oldChecksum
	}
	if format(sha256.Sum256(script)) == recorded {
		return true
	}
	if format(sha256.Sum256(bytes.ReplaceAll(script, []byte("\r\n"), []byte("\n")))) == recorded {
		return true
	}
	return format(sha256.Sum256(bytes.ReplaceAll(script, []byte("\n"), []byte("\r\n")))) == recorded
}

// oldChecksum is the form an old schema engine wrote: each byte in hex
// without its leading zero ({byte:x}).
func oldChecksum(sum [sha256.Size]byte) string {
	var b strings.Builder
	b.Grow(2 * len(sum))
	for _, c := range sum {
		b.WriteString(strconv.FormatUint(uint64(c), 16))
	}
	return b.String()
}

// nodeUTF8 is data as Node's utf-8 decoding gives it back as UTF-8: data
// itself when valid, else with each maximal ill-formed subsequence
// replaced by U+FFFD (the WHATWG Encoding Standard's UTF-8 decoder, which
// Buffer.toString and fs.readFile follow). A leading BOM is kept.
func nodeUTF8(data []byte) []byte {
	if utf8.Valid(data) {
		return data
	}
	out := make([]byte, 0, len(data)+16)
	var (
		cp           rune
		need, seen   int
		lower, upper byte = 0x80, 0xBF
	)
	for i := 0; i < len(data); {
		c := data[i]
		if need == 0 {
			i++
			switch {
			case c <= 0x7F:
				out = append(out, c)
			case c >= 0xC2 && c <= 0xDF:
				need, cp = 1, rune(c&0x1F)
			case c >= 0xE0 && c <= 0xEF:
				if c == 0xE0 {
					lower = 0xA0
				} else if c == 0xED {
					upper = 0x9F
				}
				need, cp = 2, rune(c&0x0F)
			case c >= 0xF0 && c <= 0xF4:
				if c == 0xF0 {
					lower = 0x90
				} else if c == 0xF4 {
					upper = 0x8F
				}
				need, cp = 3, rune(c&0x07)
			default:
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			continue
		}
		if c < lower || c > upper {
			// The sequence ends ill-formed here: one U+FFFD for it, and
			// this byte starts over (it is not consumed).
			cp, need, seen, lower, upper = 0, 0, 0, 0x80, 0xBF
			out = utf8.AppendRune(out, utf8.RuneError)
			continue
		}
		i++
		lower, upper = 0x80, 0xBF
		cp = cp<<6 | rune(c&0x3F)
		if seen++; seen == need {
			out = utf8.AppendRune(out, cp)
			cp, need, seen = 0, 0, 0
		}
	}
	if need != 0 {
		out = utf8.AppendRune(out, utf8.RuneError) // cut off at the end
	}
	return out
}
