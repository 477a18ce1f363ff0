package pg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"
)

// readOnlyPrefix starts each simple query a read-only session sends
// through a pooler when no transaction is open: with a statement after
// it, the query string is one implicit transaction, which it makes
// read-only, and a BEGIN in the string keeps it so.
const readOnlyPrefix = "SET TRANSACTION READ ONLY;\n"

// readOnlyWire makes every statement of a connection through a transaction
// pooler run in a read-only transaction, in the query's own round trip.
// The startup parameter default_transaction_read_only that makes a direct
// session read-only does not reach the server through a pooler (PgBouncer
// refuses it, or drops it when told to ignore it), and a session SET would
// be left on a server connection other clients share: so each simple
// query sent while no transaction is open starts with readOnlyPrefix, and
// the prefix's own CommandComplete is taken out of the answer, so pgx
// reads the results it asked for. A query inside a transaction is left as
// it is: the transaction was opened read-only by its first query. Anything
// other than a simple query that could run a statement (the extended
// protocol, a function call) is refused: the session's queries are sent
// with the simple protocol (ConnectOptions.SimpleProtocol). It sits
// between pgx's protocol frontend and the connection, above TLS, so the
// connection stays the *tls.Conn SCRAM's channel binding reads.
type readOnlyWire struct {
	r io.Reader // the connection, as pgconn reads it
	w io.Writer // the connection

	wmu     sync.Mutex
	started bool   // the startup message (untyped) is written
	wbuf    []byte // the part of a message not written yet

	mu   sync.Mutex // idle and sent, shared by the writer and the reader
	idle bool       // the last ReadyForQuery said no transaction is open
	// sent has, per query or Sync awaiting its ReadyForQuery, whether the
	// prefix's CommandComplete is still to come in its answer.
	sent []bool

	rmu    sync.Mutex // the reader's own state
	rbuf   []byte     // backend bytes read, not yet handed on
	out    []byte     // filtered bytes not yet returned to the reader
	passed int        // bytes of the current message's body still to hand on as they come
	rerr   error      // the connection's error, returned after what came before it
}

// readOnlyFrontend is pgconn's BuildFrontend for a read-only session
// through a pooler.
func readOnlyFrontend(r io.Reader, w io.Writer) *pgproto3.Frontend {
	c := &readOnlyWire{r: r, w: w}
	return pgproto3.NewFrontend(wireReader{c}, wireWriter{c})
}

type (
	wireReader struct{ c *readOnlyWire }
	wireWriter struct{ c *readOnlyWire }
)

func (r wireReader) Read(p []byte) (int, error)  { return r.c.read(p) }
func (w wireWriter) Write(p []byte) (int, error) { return w.c.write(p) }

// errNotSimple says the session tried to run something other than a simple
// query on a read-only connection through a pooler.
var errNotSimple = errors.New("a read-only session through a pooler sends only simple queries (a statement by the extended protocol could write)")

// write rewrites the simple queries in p and passes the rest on.
func (c *readOnlyWire) write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = append(c.wbuf, p...)
	var w []byte
	for {
		b := c.wbuf
		if !c.started {
			if len(b) < 4 {
				break
			}
			n := int(binary.BigEndian.Uint32(b))
			if n < 4 || len(b) < n {
				break
			}
			w = append(w, b[:n]...)
			c.wbuf, c.started = b[n:], true
			continue
		}
		if len(b) < 5 {
			break
		}
		n := int(binary.BigEndian.Uint32(b[1:])) + 1
		if n < 5 || len(b) < n {
			break
		}
		msg := b[:n]
		switch msg[0] {
		case 'Q':
			w = c.query(w, msg)
		case 'S': // Sync: answered by a ReadyForQuery
			c.mu.Lock()
			c.sent = append(c.sent, false)
			c.mu.Unlock()
			w = append(w, msg...)
		case 'P', 'B', 'E', 'F':
			// Parse, Bind, Execute, FunctionCall.
			c.wbuf = nil
			return 0, errNotSimple
		default:
			w = append(w, msg...)
		}
		c.wbuf = b[n:]
	}
	if len(c.wbuf) == 0 {
		c.wbuf = nil
	}
	if len(w) > 0 {
		if _, err := c.w.Write(w); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// query appends the simple query msg to w, prefixed when no transaction
// is open.
func (c *readOnlyWire) query(w, msg []byte) []byte {
	sql := msg[5:]
	// Nothing to run (pgx's ping is "-- ping"): no prefix, which alone
	// would only draw the server's warning that it is outside a block.
	text := bytes.TrimSpace(bytes.TrimRight(sql, "\x00"))
	comment := bytes.HasPrefix(text, []byte("--")) && !bytes.ContainsAny(text, "\n\r")
	c.mu.Lock()
	prefix := c.idle && len(text) > 0 && !comment
	c.sent = append(c.sent, prefix)
	c.mu.Unlock()
	if !prefix {
		return append(w, msg...)
	}
	var hdr [5]byte
	hdr[0] = 'Q'
	binary.BigEndian.PutUint32(hdr[1:], uint32(4+len(readOnlyPrefix)+len(sql)))
	w = append(w, hdr[:]...)
	w = append(w, readOnlyPrefix...)
	return append(w, sql...)
}

// read hands on the backend's messages, less the prefix's CommandComplete.
func (c *readOnlyWire) read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.out) == 0 {
		if err := c.rerr; err != nil {
			c.rerr = nil // a deadline passed, say: the next read may go on
			return 0, err
		}
		buf := make([]byte, max(len(p), 8192))
		n, err := c.r.Read(buf)
		c.rbuf = append(c.rbuf, buf[:n]...)
		c.filter()
		if err != nil {
			c.rerr = err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	if len(c.out) == 0 {
		c.out = nil
	}
	return n, nil
}

// filter moves what it can of rbuf to out: a message's body as it comes
// (a large row is not held), CommandComplete and ReadyForQuery whole.
func (c *readOnlyWire) filter() {
	for len(c.rbuf) > 0 {
		if c.passed > 0 {
			n := min(c.passed, len(c.rbuf))
			c.out = append(c.out, c.rbuf[:n]...)
			c.rbuf, c.passed = c.rbuf[n:], c.passed-n
			continue
		}
		b := c.rbuf
		if len(b) < 5 {
			return
		}
		n := int(binary.BigEndian.Uint32(b[1:])) + 1
		switch b[0] {
		case 'C', 'Z', 'E':
			if len(b) < n {
				return
			}
		default:
			// Any other message is handed on as it comes.
			c.out = append(c.out, b[:5]...)
			c.rbuf, c.passed = b[5:], n-5
			continue
		}
		msg := b[:n]
		c.rbuf = b[n:]
		if c.take(msg) {
			continue
		}
		c.out = append(c.out, msg...)
	}
}

// take follows the answer to the query at the head of sent through msg,
// a CommandComplete, ErrorResponse or ReadyForQuery, and says whether msg
// is the prefix's CommandComplete, to take out.
func (c *readOnlyWire) take(msg []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	head := len(c.sent) > 0 && c.sent[0]
	switch msg[0] {
	case 'Z':
		if len(c.sent) > 0 {
			c.sent = c.sent[1:]
		}
		c.idle = len(msg) == 6 && msg[5] == 'I'
	case 'E':
		if head {
			c.sent[0] = false // the prefix failed: no answer of it to come
		}
	case 'C':
		if head {
			c.sent[0] = false
			return bytes.Equal(msg[5:], []byte("SET\x00"))
		}
	}
	return false
}
