package envcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// streamTree is a monorepo of enough folders that readAll shares them out
// and the judging takes each reading as it comes (readings.get).
func streamTree(extra map[string]string) map[string]string {
	files := map[string]string{}
	for i := range 120 {
		files[fmt.Sprintf("svc/s%03d/.env", i)] = fmt.Sprintf("PORT=%d\nDATABASE_URL=postgres://app@db.internal:5432/app\n", 3000+i)
		files[fmt.Sprintf("svc/s%03d/.env.local", i)] = "DATABASE_URL=postgres://app@DB.internal/app\n"
	}
	files["svc/s007/.env.local"] = "DATABASE_URL=postgres://app@other.internal/app\n" // a conflict to report
	for k, v := range extra {
		files[k] = v
	}
	return files
}

// withProcs runs f with n Ps: one worker (all read, then judged) or
// several (judged as read).
func withProcs(n int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	f()
}

// The judging of readings as they are read, and the loaders' table written
// on another core, give the report and the error that reading all first
// and writing in turn give: the same text, and a refused file later
// in the walk still wins over an earlier loader's error, as it did when
// every reading was in before any was judged.
func TestStreamedJudgingAsSerial(t *testing.T) {
	root := tree(t, streamTree(nil))
	var serial, streamed bytes.Buffer
	withProcs(1, func() {
		r := mustResolve(t, root, nil)
		if err := r.WriteText(&serial, r.Err(false)); err != nil {
			t.Fatal(err)
		}
	})
	for range 5 {
		streamed.Reset()
		withProcs(4, func() {
			r := mustResolve(t, root, nil)
			if len(r.Readings) < 64 {
				t.Fatalf("%d readings: too few to be judged as read, or the loaders written apart", len(r.Readings))
			}
			if err := r.WriteText(&streamed, r.Err(false)); err != nil {
				t.Fatal(err)
			}
		})
		if !bytes.Equal(serial.Bytes(), streamed.Bytes()) {
			t.Fatalf("streamed report differs:\n%s\nserial:\n%s", streamed.String(), serial.String())
		}
	}
	if !strings.Contains(serial.String(), "other.internal") {
		t.Fatalf("the report does not show the conflict:\n%s", serial.String())
	}

	// The root's .env is refused by the loader in use (godotenv, from
	// go.mod): the first reading judged fails. A file past the limit in
	// the last folder is still the error.
	bad := map[string]string{".env": "OK=1\nDATABASE_URL=\"postgres://u@db-a/app\n", "go.mod": "module x\nrequire github.com/joho/godotenv v1.5.1\n"}
	big := "DATABASE_URL=postgres://u@db-a/app\n" + strings.Repeat("# padding\n", MaxEnvFileSize/10+1)
	withBig := streamTree(map[string]string{"zz/.env": big})
	for k, v := range bad {
		withBig[k] = v
	}
	for _, procs := range []int{1, 4} {
		withProcs(procs, func() {
			_, err := resolve(t, tree(t, withBig), nil)
			var tl *TooLargeError
			if !errors.As(err, &tl) || tl.Path != "zz/.env" {
				t.Errorf("GOMAXPROCS %d: %v, want a TooLargeError naming zz/.env", procs, err)
			}
			_, err = resolve(t, tree(t, streamTree(bad)), nil)
			if err == nil || !strings.Contains(err.Error(), ".env:2: godotenv cannot read this line (DATABASE_URL)") {
				t.Errorf("GOMAXPROCS %d: %v, want godotenv's error on .env:2", procs, err)
			}
		})
	}
}

// A context that ends while the readings are read and judged is the
// error, whatever was judged by then, and no worker is left behind.
func TestStreamedJudgingCanceled(t *testing.T) {
	root := tree(t, streamTree(nil))
	withProcs(4, func() {
		for range 20 {
			ctx, cancel := context.WithCancel(context.Background())
			o := OptionsFor(config.Default(root), "", nil)
			o.Found = func(int) { go cancel() }
			r, err := Resolve(ctx, o)
			cancel()
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("Resolve: %v", err)
			}
			if err != nil && r != nil {
				t.Fatalf("a report beside the error")
			}
		}
	})
}
