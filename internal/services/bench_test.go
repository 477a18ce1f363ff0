package services

import (
	"context"
	"fmt"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
)

// BenchmarkJudge50: env at the root of 50 services (bench/bench.sh
// services measures the command).
func BenchmarkJudge50(b *testing.B) {
	files := map[string]string{"dbguard.yaml": "version: 1\n"}
	for i := 1; i <= 50; i++ {
		d := fmt.Sprintf("apps/svc%d/", i)
		files[d+"dbguard.yaml"] = "version: 1\n"
		url := fmt.Sprintf("DATABASE_URL=postgres://app:pw@db.internal:5432/svc%d\n", i)
		if i%2 == 0 {
			files[d+"package.json"] = `{"dependencies": {"next": "14.2.5"}}`
			files[d+".env"], files[d+".env.local"] = url, url+"X=1\n"
		} else {
			files[d+"requirements.txt"] = "python-dotenv==1.0.1\n"
			files[d+".env"], files[d+"jobs/.env"] = url, url
		}
	}
	root := tree(b, files)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u, err := Find(root, "")
		if err != nil {
			b.Fatal(err)
		}
		if f := Failures(Judge(context.Background(), u.Project.Units(), "", nil, false)); len(f) > 0 {
			b.Fatal(f)
		}
	}
}

// BenchmarkDiscover1000: the services' walk of bench.sh env's tree (1,000
// env files in 500 folders), which also reads every folder for env
// discovery.
func BenchmarkDiscover1000(b *testing.B) {
	files := map[string]string{}
	for i := 1; i <= 500; i++ {
		d := fmt.Sprintf("services/s%d/app/", i)
		files[d+".env"] = "DATABASE_URL=postgres://app:pw@db.internal:5432/app\n"
		files[d+".env.local"] = "DATABASE_URL=postgres://app:pw@DB.internal/app\n"
	}
	root := tree(b, files)
	cfg := &config.Config{Root: root}
	b.ResetTimer()
	for b.Loop() {
		if _, err := discoverDisk(cfg, envcheck.NewDirs()); err != nil {
			b.Fatal(err)
		}
	}
}
