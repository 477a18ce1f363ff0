package output

import (
	"strings"
	"sync"
	"testing"
)

func TestRedactorMasksAcrossWrites(t *testing.T) {
	var b strings.Builder
	r := NewRedactor(&b)
	// A URL split over two writes is still masked: lines are redacted whole.
	r.Write([]byte("connecting to postgres://app:hun"))
	if b.String() != "connecting to " {
		t.Errorf("a partial line should be written up to its last space only: %q", b.String())
	}
	r.Write([]byte("ter2@db/app\nnext line "))
	if !strings.HasSuffix(b.String(), "next line ") {
		t.Errorf("a prompt ending in a space should show at once: %q", b.String())
	}
	r.Write([]byte("password = 'hun "))
	r.Write([]byte("ter2'"))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := "connecting to postgres://app:****@db/app\nnext line password = ****"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestRedactorConcurrent(t *testing.T) {
	var b strings.Builder
	r := NewRedactor(&b)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				r.Write([]byte("postgres://u:hunter2@h/db\n"))
			}
		}()
	}
	wg.Wait()
	r.Flush()
	if strings.Contains(b.String(), "hunter2") || strings.Count(b.String(), "\n") != 800 {
		t.Errorf("concurrent writes: %d lines, leak=%v", strings.Count(b.String(), "\n"), strings.Contains(b.String(), "hunter2"))
	}
}

func TestTalk(t *testing.T) {
	var b strings.Builder
	talk := Talk{W: &b}
	talk.Errorf("conflict: %d databases.", 2)
	talk.Hintf("run: dbguard env")
	talk.Warnf("careful")
	want := "dbguard: error: conflict: 2 databases\ndbguard: hint: run: dbguard env\ndbguard: warning: careful\n"
	if b.String() != want {
		t.Errorf("got %q", b.String())
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("json", Text, JSON); err != nil || f != JSON {
		t.Errorf("json: %v %v", f, err)
	}
	if _, err := ParseFormat("xml", Text, JSON); err == nil || !strings.Contains(err.Error(), "want text, json") {
		t.Errorf("xml: %v", err)
	}
}
