package tool

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// The deep-project hint's setting, pasted into dbguard.yaml, names the
// folder it was printed for, whatever the folder's name.
func TestYAMLFlowScalarReadsBack(t *testing.T) {
	for _, dir := range []string{"apps/api", "apps/a #b", "x, y", "a}b", "a: b", "-x", ".hidden/api", "über", `q"u\o'te`, "tab\there", "yes", "null", "1e3", "~"} {
		var got struct {
			Migrations struct {
				Workdir string `yaml:"workdir"`
			} `yaml:"migrations"`
		}
		text := "migrations: {workdir: " + yamlFlowScalar(dir) + "}\n"
		if err := yaml.Unmarshal([]byte(text), &got); err != nil || got.Migrations.Workdir != dir {
			t.Errorf("%q: %s reads %q (%v)", dir, text, got.Migrations.Workdir, err)
		}
	}
}
