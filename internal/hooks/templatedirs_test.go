package hooks

import (
	"slices"
	"testing"
)

// checkTemplates reads the names only of folders that hold a template
// (round 11): each template is still compared with every env file beside
// it, and a folder without one adds nothing to another's.
func TestCheckTemplatesOnlyTemplateFolders(t *testing.T) {
	r := &Report{}
	r.checkTemplates(map[string][]byte{
		".env":           []byte("X=1\nY=2\n"),
		".env.example":   []byte("X=\n"),
		"a/.env":         []byte("A=1\nB=2\n"),
		"a/.env.local":   []byte("C=3\n"),
		"a/.env.example": []byte("A=\n"),
		"b/.env":         []byte("Z=1\n"),
		"b/c/.env":       []byte("W=1\n"),
		"d/.env.example": []byte("Q=\n"),
	})
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.File+": "+f.Message)
	}
	want := []string{
		".env.example: template lacks Y, defined by the env files beside it; add them with placeholder values",
		"a/.env.example: template lacks B, C, defined by the env files beside it; add them with placeholder values",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings:\n%q\nwant:\n%q", got, want)
	}
}
