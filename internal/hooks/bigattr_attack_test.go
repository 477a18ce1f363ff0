package hooks

import (
	"fmt"
	"strings"
	"testing"
)

// TestAttackScanBigAttrBinaryText: a text file that a committed
// .gitattributes calls binary (*.py -diff), which git grep -I passes over,
// is read whole by ci's credential scan; the scan's cap on files git calls
// binary (maxScanBinary, 4 MiB) then passed over one just larger, and the
// production password in its last line with it. Such a file's matching
// lines come from git grep -a instead: judged as any file's lines.
func TestAttackScanBigAttrBinaryText(t *testing.T) {
	filler := strings.Repeat("# a generated settings module, padded to pass the cap\n", maxScanBinary/50)
	_, at := scanUnderConfig(t, map[string]string{
		".gitattributes": "*.py -diff\n",
		"settings.py":    filler + "DATABASE_URL = \"postgres://app:S3cr3tzzQ@db.prod.internal/app\"\n",
	}, "user.name", "t")
	want := fmt.Sprintf("[settings.py:%d]", strings.Count(filler, "\n")+1)
	if fmt.Sprint(at) != want {
		t.Fatalf("ScanTracked found %v, want %s", at, want)
	}
}
