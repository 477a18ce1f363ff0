package envcheck

import (
	"slices"
	"strings"
	"testing"
)

// labels groups loaders by folder in the order the folders first come,
// each loader once, whether a folder's readings come together or not:
// as the map-and-join form it replaced wrote it.
func TestLabelsAsJoined(t *testing.T) {
	lr := func(dir, loader string) *LoaderReading { return &LoaderReading{Dir: dir, Loader: loader} }
	cases := [][]*LoaderReading{
		nil,
		{lr(".", "dotenv")},
		{lr(".", "dotenv"), lr(".", "vite"), lr(".", "dotenv")},
		{lr("a", "dotenv"), lr("b", "vite"), lr("a", "next"), lr("b", "vite"), lr(".", "godotenv"), lr("a", "dotenv")},
		{lr("x\ny", "dotenv"), lr("", "vite"), lr("x\ny", "next")},
	}
	for _, lrs := range cases {
		if got, want := labels(lrs), labelsJoined(lrs); got != want {
			t.Errorf("labels = %q, want %q", got, want)
		}
	}
}

func labelsJoined(lrs []*LoaderReading) string {
	var dirs []string
	by := map[string][]string{}
	for _, lr := range lrs {
		if _, ok := by[lr.Dir]; !ok {
			dirs = append(dirs, lr.Dir)
		}
		if !slices.Contains(by[lr.Dir], lr.Loader) {
			by[lr.Dir] = append(by[lr.Dir], lr.Loader)
		}
	}
	var parts []string
	for _, d := range dirs {
		parts = append(parts, strings.Join(by[d], ", ")+" in "+where(d))
	}
	return strings.Join(parts, "; ")
}
