# Build, test and demo dbguard. `make test` is what CI runs (.ci/run).
GO       ?= go
FUZZTIME ?= 5s
BIN      := bin/dbguard

.PHONY: build test vet fuzz demo bench-migrate bench-schema bench-hook clean

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/dbguard

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Every fuzz target, briefly: a crash found becomes a test case in testdata/fuzz.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/dburl
	$(GO) test -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envcheck
	$(GO) test -run '^$$' -fuzz '^FuzzConfig$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzTypeSpec$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzScanName$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/migrate
	$(GO) test -run '^$$' -fuzz '^FuzzSnapshotScalars$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/schema

test: vet
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

# 300 migrations: dbguard migrate up vs golang-migrate's CLI (RUNS=9 for less noise).
RUNS ?= 7
bench-migrate:
	./bench/migrate.sh $(RUNS) 300

# 5,000 tables of 10 columns: snapshot and verify vs pg_dump --schema-only.
bench-schema:
	./bench/schema.sh $(RUNS) 5000

# The pre-commit hook on 20,000 tracked files vs git status --porcelain.
bench-hook:
	./bench/hook.sh 9 20000

demo: build
	./scripts/demo.sh $(BIN)

clean:
	rm -rf bin
