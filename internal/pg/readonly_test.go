package pg

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

// msg encodes one protocol message of type t.
func msg(t byte, body string) []byte {
	b := []byte{t, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(4+len(body)))
	return append(b, body...)
}

// oneByte reads one byte at a time: every message split across reads.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

// The read-only wire prefixes each simple query sent outside a transaction
// and takes the prefix's CommandComplete out of the answer, however the
// answer's bytes are cut; inside a transaction, and for a query that runs
// nothing, it changes nothing.
func TestReadOnlyWire(t *testing.T) {
	t.Parallel()
	var sent bytes.Buffer
	var answer bytes.Buffer
	c := &readOnlyWire{w: &sent, r: oneByte{&answer}}
	w, r := wireWriter{c}, wireReader{c}
	startup := []byte{0, 0, 0, 8, 0, 3, 0, 0}

	// The startup, then the server's ReadyForQuery (idle).
	if _, err := w.Write(startup); err != nil {
		t.Fatal(err)
	}
	answer.Write(msg('Z', "I"))
	z := make([]byte, 6)
	if _, err := io.ReadFull(r, z); err != nil || !bytes.Equal(z, msg('Z', "I")) {
		t.Fatalf("startup answer %q, %v", z, err)
	}

	// Outside a transaction: prefixed, the SET's answer taken out.
	if _, err := w.Write(msg('Q', "SELECT 1\x00")); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{}, startup...), msg('Q', readOnlyPrefix+"SELECT 1\x00")...)
	if !bytes.Equal(sent.Bytes(), want) {
		t.Errorf("sent %q, want %q", sent.Bytes(), want)
	}
	rows := bytes.Join([][]byte{msg('T', "row description"), msg('D', "a data row"), msg('C', "SELECT 1\x00")}, nil)
	answer.Write(msg('C', "SET\x00"))
	answer.Write(rows)
	answer.Write(msg('Z', "T")) // the query left a transaction open
	got := make([]byte, len(rows)+6)
	if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, append(append([]byte{}, rows...), msg('Z', "T")...)) {
		t.Errorf("answer %q, %v", got, err)
	}

	// Inside the transaction, and a comment alone: as written.
	sent.Reset()
	w.Write(msg('Q', "SELECT 2\x00"))
	answer.Write(msg('C', "SELECT 1\x00"))
	answer.Write(msg('Z', "I"))
	got = make([]byte, len(msg('C', "SELECT 1\x00"))+6)
	io.ReadFull(r, got)
	w.Write(msg('Q', "-- ping\x00"))
	if want := append(msg('Q', "SELECT 2\x00"), msg('Q', "-- ping\x00")...); !bytes.Equal(sent.Bytes(), want) {
		t.Errorf("sent %q, want %q", sent.Bytes(), want)
	}

	// The extended protocol is refused.
	if _, err := w.Write(msg('P', "\x00INSERT INTO t VALUES (1)\x00\x00\x00")); err == nil {
		t.Error("a Parse went through")
	}
}
