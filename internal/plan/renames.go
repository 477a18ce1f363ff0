package plan

import (
	"context"
	"strings"
)

// The server's "building index "i" on table "t"" names the table as it is
// named now, and the trace knows the relations by their names when the
// file started (before). A table the file renamed (ALTER TABLE users
// RENAME TO u2; CREATE INDEX ... ON u2) is found by its index (builtOn),
// one query per build whose table no locked table is named like; plan135
// asks it for every build of a new table beside its ALTER of a live one
// (270 a plan). That query is needed only when a relation can have been
// renamed since before was read: by the file's own text, or by code that
// runs during it. So a file is asked about (mayRename) when
//
//   - the trace's code is unknown (codeFree false): the session's role is
//     a superuser or can become one, or an event trigger exists
//     (quietCheck), or the shadow had a function, procedure or aggregate
//     of its own when the trace started (codeCheck), which a CHECK
//     constraint, a default, a trigger, a rule's expression, a cast or an
//     operator can call from any statement; or an earlier file had a word
//     that makes or runs code (codeWords): a function it made is there
//     for every later file;
//   - its text has the word RENAME, or one of codeWords.
//
// Relations are read again after each file (before holds their new
// names), so a RENAME counts for its own file only; code counts for the
// rest of the trace. The words are matched in the raw text, strings and
// comments included (a DO block's body is a string), and a keyword
// cannot be written any other way: a statement the server reads
// otherwise than sqlscan (standard_conforming_strings off) still has its
// words in the text. What a role that is no superuser can run without a
// function of its own is the server's built-in code, none of which
// renames a relation (query_to_xml and its kin run their query read-only;
// an extension's C functions come with CREATE EXTENSION, a word here).
// When unsure, ask: a word in a comment costs a query per build.

// codeCheck says whether the shadow has no function, procedure or
// aggregate but initdb's (FirstNormalObjectId, see catalogOIDs): an
// extension's, a range type's constructors and the repository's all
// count.
const codeCheck = `SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.>=) '16384'::pg_catalog.oid)`

// codeWords are the words of a statement that makes code or runs some
// that may have been made: DO, CREATE FUNCTION/PROCEDURE/AGGREGATE,
// ALTER ROUTINE, CALL, EXECUTE (a prepared statement), PREPARE, CREATE
// TRIGGER/RULE/CAST/OPERATOR/TRANSFORM/LANGUAGE/EXTENSION, LOAD (a
// library's initialiser), COPY ... PROGRAM, and IMPORT FOREIGN SCHEMA or
// a SERVER (another session, through a foreign data wrapper).
var codeWords = []string{"DO", "FUNCTION", "FUNCTIONS", "PROCEDURE", "PROCEDURES", "ROUTINE", "ROUTINES", "AGGREGATE", "CALL", "EXECUTE", "PREPARE",
	"TRIGGER", "RULE", "CAST", "OPERATOR", "TRANSFORM", "LANGUAGE", "EXTENSION", "LOAD", "PROGRAM", "IMPORT", "SERVER"}

// mayRename reports whether, during the file of text, a relation known by
// one name when the file started may come to have another (its text has
// RENAME, the word of every statement that renames a relation: ALTER
// TABLE/INDEX/VIEW/SEQUENCE/MATERIALIZED VIEW/FOREIGN TABLE ... RENAME
// TO); it records a file that makes or runs code, for the files after it
// (codeFree).
func (t *tracer) mayRename(text string) bool {
	rename, code := scanWords(text)
	t.fileCode = code
	if code {
		t.codeFree = false
	}
	return !t.codeFree || rename
}

// scanWords reports whether text has the word RENAME, and one of
// codeWords, in any case: a run of ASCII letters with no letter, digit or
// _ on either side (regexp's \b), as a keyword stands in SQL. A scan of
// the words, not a regular expression: (?i)\b(DO|FUNCTION|...)\b cost
// plan135 about 10 ms of backtracking.
func scanWords(text string) (rename, code bool) {
	word := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	for i := 0; i < len(text); {
		if !word(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && word(text[j]) {
			j++
		}
		w := text[i:j]
		i = j
		if len(w) < 2 || len(w) > 10 {
			continue // codeWords and RENAME are 2 to 10 letters
		}
		if strings.EqualFold(w, "RENAME") {
			rename = true
			continue
		}
		if !code {
			for _, c := range codeWords {
				if strings.EqualFold(w, c) {
					code = true
					break
				}
			}
		}
	}
	return rename, code
}

// levelFuncsSQL lists the functions and procedures whose SET clause sets
// client_min_messages (CREATE FUNCTION ... SET client_min_messages =
// warning, ALTER FUNCTION ... SET ...), with that setting: while one runs
// the level is its, and the locks read after the statement that called it
// finds the trace's again (levelChanged cannot see it). Only oids from
// FirstNormalObjectId on: initdb's functions set nothing.
const levelFuncsSQL = `SELECT p.oid::pg_catalog.int8, n.nspname::pg_catalog.text, p.proname::pg_catalog.text, c
	FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace, pg_catalog.unnest(p.proconfig) c
	WHERE p.oid OPERATOR(pg_catalog.>=) '16384'::pg_catalog.oid AND pg_catalog.starts_with(c, 'client_min_messages=')`

// levelFuncs reads the functions that lower the message level while they
// run (levelFuncsSQL, a level that hides what the trace reads) that the
// trace has not seen yet, and calls found for each, with its name and the
// level. Only when code can exist (codeFree false): otherwise there is no
// function of the repository's.
func (t *tracer) levelFuncs(ctx context.Context, found func(schema, name, level string)) error {
	if t.codeFree {
		return nil
	}
	rows, err := t.conn.Query(ctx, levelFuncsSQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	if t.hidingFuncs == nil {
		t.hidingFuncs = map[int64]bool{}
	}
	for rows.Next() {
		var oid int64
		var sch, name, setting string
		if err := rows.Scan(&oid, &sch, &name, &setting); err != nil {
			return err
		}
		level := strings.ToLower(strings.Trim(strings.TrimPrefix(setting, "client_min_messages="), `"`))
		if t.hidingFuncs[oid] || !hides(level, "debug1") {
			continue
		}
		t.hidingFuncs[oid] = true
		found(sch, name, level)
	}
	return rows.Err()
}
