package schema

import (
	"regexp"
	"strconv"
	"testing"
)

// serialTreeRE is the node tree of nextval of a regclass constant, bare
// or in a serial's implicit cast, as a 64-bit little-endian server writes
// it (outNode: integers in decimal, a sign only when negative; outDatum:
// the constant's bytes as signed or unsigned chars), written out as a
// pattern: the reference FuzzSerialSequence holds serialSequence to.
var serialTreeRE = regexp.MustCompile(`^(` + regexp.QuoteMeta(serialCasts[0]) + `|` + regexp.QuoteMeta(serialCasts[1]) + `)?` +
	regexp.QuoteMeta(serialPrefix) + `-?[0-9]+ :constvalue 4 \[ (-?[0-9]+) (-?[0-9]+) (-?[0-9]+) (-?[0-9]+) 0 0 0 0 \]\}\) :location -?[0-9]+` +
	`(\}\) :location -?[0-9]+)?\}$`)

// serialTreeOID is serialSequence by serialTreeRE: the sequence's oid, 0
// for a tree of any other layout.
func serialTreeOID(tree []byte) uint32 {
	m := serialTreeRE.FindSubmatch(tree)
	if m == nil || (m[1] == nil) != (m[6] == nil) { // a cast is closed, and only a cast
		return 0
	}
	var oid uint32
	for i := 0; i < 4; i++ {
		b, err := strconv.Atoi(string(m[2+i]))
		if err != nil || b < -128 || b > 255 {
			return 0
		}
		oid |= uint32(byte(b)) << (8 * i)
	}
	return oid
}

// FuzzSerialSequence: on any bytes (a server's layout the reader does not
// expect, a tree cut short, other nodes), serialSequence names the
// sequence of the reference's layout and no other, returns 0 (the
// default left to pg_get_expr) for everything else, and does not panic.
func FuzzSerialSequence(f *testing.F) {
	call := func(loc, bytes string) string {
		return serialPrefix + loc + " :constvalue 4 [ " + bytes + " ]}) :location -1}"
	}
	for _, seed := range []string{
		call("-1", "1 64 0 0 0 0 0 0"),
		call("12", "-127 -1 1 0 0 0 0 0"),
		call("12", "129 255 1 0 0 0 0 0"),
		serialCasts[0] + call("-1", "1 64 0 0 0 0 0 0") + ") :location 7}",
		serialCasts[1] + call("3", "-1 -1 -1 -1 0 0 0 0") + ") :location 7}",
		serialCasts[1] + call("-1", "1 64 0 0 0 0 0 0"),
		call("-1", "0 0 0 0 0 0 64 1"), // big-endian
		call("-1", "1 64 0 0"),         // 32-bit
		call("-1", "+1 64 0 0 0 0 0 0"),
		call("+1", "1 64 0 0 0 0 0 0"),
		call("-1", "1  64 0 0 0 0 0 0"),
		call("-1", "1 64 0 0 0 0 0 0") + " ",
		call("-1", "1 64 0 0 0 0 0 0")[:len(call("-1", "1 64 0 0 0 0 0 0"))-1],
		`{FUNCEXPR :funcid 1574 :funcresulttype 20 :funcretset false :funcvariadic false :funcformat 0 :funccollid 0 :inputcollid 0 :args ({FUNCEXPR :funcid 1079 :funcresulttype 2205 :funcretset false :funcvariadic false :funcformat 2 :funccollid 0 :inputcollid 100 :args ({CONST :consttype 25 :consttypmod -1 :constcollid 100 :constlen -1 :constbyval false :constisnull false :location 16 :constvalue 5 [ 20 0 0 0 115 ]}) :location -1}) :location 8}`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, tree []byte) {
		if got, want := serialSequence(tree), serialTreeOID(tree); got != want {
			t.Fatalf("serialSequence(%q) = %d, the server's layout names %d", tree, got, want)
		}
	})
}
