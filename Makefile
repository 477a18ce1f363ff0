# Build, test and demo dbguard. `make test` is what CI runs (.ci/run).
GO       ?= go
SHELL    := /bin/bash
FUZZTIME ?= 100000x
BIN      := bin/dbguard

.PHONY: build test vet fuzz demo bench bench-migrate bench-ledger bench-schema bench-hook bench-plan bench-memory bench-env conformance release-snapshot clean

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# As .goreleaser.yaml: leave out urfave/cli's docs writers (and blackfriday's start-up cost).
TAGS    := urfave_cli_no_docs

# Static, as the release (and golang-migrate's): a cgo build loads libc at every start.
build:
	CGO_ENABLED=0 $(GO) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/dbguard

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Every fuzz target, open-ended (not part of `make test` or CI): run it before
# a stop and commit what it finds, a crash becomes a test case in testdata/fuzz.
# A count, not a duration: a -fuzztime deadline that expires while a new input
# is being minimised fails the run with "context deadline exceeded" (seen in CI).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/dburl
	$(GO) test -run '^$$' -fuzz '^FuzzComplete$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/dburl
	$(GO) test -run '^$$' -fuzz '^FuzzServiceFileAgreesWithPgx$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/dburl
	$(GO) test -run '^$$' -fuzz '^FuzzRedactFastPath$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/dburl
	$(GO) test -run '^$$' -fuzz '^FuzzRedactUserinfoWords$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/dburl
	$(GO) test -run '^$$' -fuzz '^FuzzRedactQuotedSecret$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/dburl
	$(GO) test -run '^$$' -fuzz '^FuzzSafePrefixAsRuneByRune$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/output
	$(GO) test -run '^$$' -fuzz '^FuzzRedactorSplitSecret$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/output
	$(GO) test -run '^$$' -fuzz '^FuzzRedactorQuietSameOutput$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/output
	$(GO) test -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envcheck
	$(GO) test -run '^$$' -fuzz '^FuzzPathsAsStandard$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envcheck
	$(GO) test -run '^$$' -fuzz '^FuzzPlainFile$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envload
	$(GO) test -run '^$$' -fuzz '^FuzzDecoupleIni$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envload
	$(GO) test -run '^$$' -fuzz '^FuzzComposeServices$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envload
	$(GO) test -run '^$$' -fuzz '^FuzzScripts$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envload
	$(GO) test -run '^$$' -fuzz '^FuzzPythonCode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envload
	$(GO) test -run '^$$' -fuzz '^FuzzJSCode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/envload
	$(GO) test -run '^$$' -fuzz '^FuzzConfig$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzTypeSpec$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzSplit$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/sqlscan
	$(GO) test -run '^$$' -fuzz '^FuzzReach$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/sqlscan
	$(GO) test -run '^$$' -fuzz '^FuzzScanName$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/sqlscan
	$(GO) test -run '^$$' -fuzz '^FuzzScanName$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/migrate
	$(GO) test -run '^$$' -fuzz '^FuzzParseNameAsGolangMigrate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/migrate
	$(GO) test -run '^$$' -fuzz '^FuzzParseUTCAsTimeParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/migrate
	$(GO) test -run '^$$' -fuzz '^FuzzSnapshotScalars$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/schema
	$(GO) test -run '^$$' -fuzz '^FuzzSerialSequence$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/schema
	$(GO) test -run '^$$' -fuzz '^FuzzPrisma$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/models
	$(GO) test -run '^$$' -fuzz '^FuzzDrizzle$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/models
	$(GO) test -run '^$$' -fuzz '^FuzzPrismaConfig$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/tool
	$(GO) test -run '^$$' -fuzz '^FuzzTomlDefines$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/tool
	$(GO) test -run '^$$' -fuzz '^FuzzReadShellLine$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/tool
	$(GO) test -run '^$$' -fuzz '^FuzzParseQuals$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/plan
	$(GO) test -run '^$$' -fuzz '^FuzzAsComposeGo$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/composetpl

# Deterministic: every test, every fuzz target's seed corpus and every saved
# crasher in testdata/fuzz run as ordinary tests; nothing is time-boxed.
# Open-ended fuzzing is `make fuzz`, run by hand before a stop. testsum
# prints each package, the output of failed tests and the count; TALLY sums
# the counts of every `go test` in one CI run.
#
# -race only where it can find something: the race detector reports two
# goroutines touching the same memory, so it finds nothing in a package
# whose tests run one goroutine at a time, and there it cost up to 15x
# the CPU (envload: 20 s without, 308 s with; docs/performance.md, the
# test suite's "Round 8"). NORACE are those packages: no goroutine in the
# code under test (os/exec's copying of a child's output aside, read only
# after Wait), no parallel test, and a goroutine in a test only to time
# out a call whose result it hands over on a channel. The
# process-wide state they keep for others (dburl's secrets, models' and
# tool's memos, lazyre's compiled patterns) is raced where it is shared:
# in cmd/dbguard (parallel tests in one process) and the packages that
# start goroutines (envcheck's workers, migrate, plan, schema, verify,
# sandbox, pyshim's reading after Alembic), which stay under -race with
# every package they import. A package not listed here, a new one
# included, runs under -race; scripts/testsum's
# TestNoRaceListHasNoGoroutines fails when a listed one starts a
# goroutine, handles a signal or runs a parallel test.
NORACE  := config dburl doctor envload exitcode gate guarded lazyre models safefile services sqlscan tool
NORACE_PKGS := $(addprefix ./internal/,$(NORACE)) ./scripts/testsum
MODULE   = $(shell $(GO) list -m)
# A race-built process sleeps atexit_sleep_ms (1 s by default, Go's race
# detector article) as it exits, here with other goroutines left (every
# dbguard run: its signal goroutine). The scripts of cmd/dbguard run the
# race-built test binary as dbguard ~650 times (testscript passes GORACE
# on), and the process tests more: a second of waiting each. A race found
# before the exit is reported and exits 66 with or without the sleep; 10
# ms still lets a goroutine running at exit reach a racing access. A
# GORACE of your own is read after it.
RACEENV := GORACE="atexit_sleep_ms=10 $$GORACE"
TALLY   ?= $(CURDIR)/.cache/test-tally.json
TESTSUM := $(GO) run ./scripts/testsum -tally $(TALLY)
ALLOC   := ^(TestAttackEnvMemoryBoundedByInput|TestAttackEnvExpansionBudget|TestAttackComposeEnvironmentBudget)$$
test: vet
	@mkdir -p $(dir $(TALLY))
	set -o pipefail; $(RACEENV) $(GO) test -race -count=1 -timeout 30m -json -skip '$(ALLOC)' \
	  $$($(GO) list ./... | grep -vxF $(foreach p,$(NORACE_PKGS),-e $(MODULE)/$(p:./%=%))) | $(TESTSUM)
	set -o pipefail; $(GO) test -count=1 -timeout 30m -json -skip '$(ALLOC)' $(NORACE_PKGS) | $(TESTSUM)
	# Allocation bounds, without -race: its shadow memory multiplies what
	# a run allocates (199x the input instead of 53x; the expansion
	# budget's 57x becomes 581x; compose's anchored values 80 MB become
	# 1.4 GB) and takes 2.5 minutes.
	set -o pipefail; $(GO) test -count=1 -json -run '$(ALLOC)' ./internal/envcheck ./internal/envload | $(TESTSUM)
	# Once per CI run: the pre-commit framework builds dbguard itself (~30 s).
	set -o pipefail; $(GO) test -count=1 -json -tags framework -run '^TestPreCommitFrameworkBuild$$' ./internal/hooks | $(TESTSUM)

# The performance page: every benchmark on one throwaway server, one
# Markdown table (RUNS=7 by default). Or one section at a time.
RUNS ?= 7
bench:
	RUNS=$(RUNS) ./bench/bench.sh
bench-migrate:
	RUNS=$(RUNS) ./bench/bench.sh migrate
bench-ledger:
	RUNS=$(RUNS) ./bench/bench.sh ledger
bench-schema:
	RUNS=$(RUNS) ./bench/bench.sh schema
bench-hook:
	RUNS=$(RUNS) ./bench/bench.sh hook
bench-plan:
	RUNS=$(RUNS) ./bench/bench.sh plan plan135
bench-memory:
	RUNS=$(RUNS) ./bench/bench.sh memory
bench-env:
	RUNS=$(RUNS) ./bench/bench.sh env chain

# The release, tried locally: goreleaser release --snapshot on a tagged
# copy of the working tree (cmd/dbguard/goreleaser_test.go). Not part of
# make test: installing goreleaser takes about 5 minutes on a 2-core machine
# and the six cross builds about 5 more. The image is skipped (no engine).
GORELEASER_VERSION ?= v2.15.1
release-snapshot:
	@command -v goreleaser >/dev/null 2>&1 || [ -x "$$($(GO) env GOPATH)/bin/goreleaser" ] || \
	  $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)
	@mkdir -p $(dir $(TALLY))
	set -o pipefail; $(GO) test -count=1 -json -tags goreleaser -timeout 30m -run '^TestGoreleaserSnapshot$$' ./cmd/dbguard | $(TESTSUM)

demo: build
	./scripts/demo.sh $(BIN)

# Rewrite internal/envload/testdata/conformance/golden from real dotenv loaders
# (Node, Python, Go) run over the cases there. Needs npm and apt; CASES=name
# runs only those cases.
conformance:
	bash scripts/conformance.sh $(CASES)

clean:
	rm -rf bin
