package envcheck

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The manifests' folders whose code is read (a map's keys) are walked in
// one order, by depth and then by name, so that the calls, the readings
// they make and the maxPyFiles cut are the same from run to run. Before,
// folders of one depth were walked in the map's order: `dbguard env
// --format json` listed a monorepo's load_dotenv readings in another order
// each run, and in a repository of more than maxPyFiles Python files the
// calls left unread were another service's each run: a load_dotenv naming
// another database's file was judged in some runs (exit 1) and not in
// others (exit 0), a CI gate passed by running it again.
func TestAttackCodeRootsWalkedInNameOrder(t *testing.T) {
	files := map[string]string{}
	var want []string
	for i := range 12 {
		d := fmt.Sprintf("svc%02d", i)
		files[d+"/requirements.txt"] = "python-dotenv==1.0.1\n"
		files[d+"/.env"] = "DATABASE_URL=" + dbA + "\n"
		files[d+"/main.py"] = "from dotenv import load_dotenv\nload_dotenv()\n"
		want = append(want, "load_dotenv() at "+d+"/main.py:2 in "+d+"/")
	}
	root := tree(t, files)
	for range 3 {
		r := mustResolve(t, root, nil)
		var got []string
		for _, lr := range r.Readings {
			if strings.HasPrefix(lr.Label(), "load_dotenv()") {
				got = append(got, lr.Label())
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("the load_dotenv readings in the order\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
