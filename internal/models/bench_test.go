package models_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/models"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/schema"
)

// models200 writes a project of n SQLAlchemy models (app/models.py), each
// with a varchar of its own length (n distinct sized types), a numeric, a
// varchar(8), a timestamptz, a boolean and a nullable text, and returns
// its root and the DDL of the matching tables.
func models200(b *testing.B, n int) (string, string) {
	root := b.TempDir()
	var py, ddl strings.Builder
	py.WriteString("from sqlalchemy import Boolean, Column, DateTime, Integer, Numeric, String, Text\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n")
	for i := range n {
		fmt.Fprintf(&py, `

class M%[1]d(Base):
    __tablename__ = "m%[1]d"
    id = Column(Integer, primary_key=True)
    name = Column(String(%[2]d), nullable=False)
    price = Column(Numeric(10, 2), nullable=False)
    code = Column(String(8))
    created = Column(DateTime(timezone=True), nullable=False)
    flag = Column(Boolean, nullable=False)
    note = Column(Text)
`, i, 20+i)
		fmt.Fprintf(&ddl, "CREATE TABLE m%[1]d (id serial PRIMARY KEY, name varchar(%[2]d) NOT NULL, price numeric(10,2) NOT NULL, code varchar(8), created timestamptz NOT NULL, flag boolean NOT NULL, note text);\n", i, 20+i)
	}
	if err := os.MkdirAll(filepath.Join(root, "app"), 0o755); err != nil {
		b.Fatal(err)
	}
	for name, text := range map[string]string{"app/__init__.py": "", "app/models.py": py.String(), "dbguard.yaml": "version: 1\nmodels:\n  sqlalchemy: app.models:Base\n"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root, ddl.String()
}

// BenchmarkModels200 is reading the models of a 200-model SQLAlchemy
// project and comparing a live database with them, as verify
// --read-models does: importing them with the project's Python
// (read-ms), the server's spelling of their types (canonicalize-ms), and
// the comparison with the introspected schema. The bound: under 2 s.
//
//	go test -run '^$' -bench Models200 -benchtime 5x ./internal/models
func BenchmarkModels200(b *testing.B) {
	ctx := context.Background()
	root, ddl := models200(b, 200)
	cfg, err := config.Load(filepath.Join(root, "dbguard.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, pgtest.DB(b))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, ddl); err != nil {
		b.Fatal(err)
	}
	var read, canon time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		r, err := models.Read(ctx, models.Options{Config: cfg, RunPython: true})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		exp := r.Expect()
		types, err := schema.CanonicalizeModels(ctx, conn, exp)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		live, err := schema.Introspect(ctx, conn, schema.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if d := schema.CheckModels(exp, types, "public", live); len(d) > 0 || len(exp) != 200 {
			b.Fatalf("%d tables read, %d differences, first: %v", len(exp), len(d), d)
		}
		read += t1.Sub(t0)
		canon += t2.Sub(t1)
	}
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "read-ms/op")
	b.ReportMetric(float64(canon.Milliseconds())/float64(b.N), "canonicalize-ms/op")
}
