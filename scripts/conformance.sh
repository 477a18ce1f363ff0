#!/usr/bin/env bash
# Differential conformance harness: run real dotenv loaders over the cases in
# internal/envload/testdata/conformance/cases/*.txtar and record what each one
# reads as internal/envload/testdata/conformance/golden/NAME.json; and
# compose-go's loader over internal/envload/testdata/compose/cases/*.txtar
# (each service's environment) into internal/envload/testdata/compose/golden.
#
#   scripts/conformance.sh            # every case (goldens of deleted cases are removed)
#   scripts/conformance.sh seed-bom   # only the named cases
#   make conformance
#
# Loaders are installed into $CONFORMANCE_DIR (default /tmp/dbguard-conformance):
# the npm packages at the pinned versions below, Debian's python3-dotenv, and
# the Go runner (scripts/conformance/gorunner, its own module) built from a
# copy, so the repository's go.mod files are never touched. Override a
# version with the variables below, e.g. VITE_VERSION=7.1.0 scripts/conformance.sh.
set -euo pipefail

DOTENV_VERSION=${DOTENV_VERSION:-18.0.10}
DOTENV_EXPAND_VERSION=${DOTENV_EXPAND_VERSION:-1000.0.0}
DOTENV_FLOW_VERSION=${DOTENV_FLOW_VERSION:-4.1.0}
NEXT_ENV_VERSION=${NEXT_ENV_VERSION:-16.4.6}
VITE_VERSION=${VITE_VERSION:-8.3.8}
# The wrappers package.json scripts start apps with (script: cases).
DOTENV_CLI_VERSION=${DOTENV_CLI_VERSION:-11.0.0}
DOTENVX_VERSION=${DOTENVX_VERSION:-2.38.2}
# The dotenv `node -r dotenv/config` preloads in script: cases (found
# through NODE_PATH): 16 and 17 read DOTENV_CONFIG_* and dotenv_config_*
# arguments there (lib/env-options.js, lib/cli-options.js). A case whose
# package.json depends on dotenv 18 or later gets DOTENV_VERSION instead.
DOTENV_PRELOAD_VERSION=${DOTENV_PRELOAD_VERSION:-17.2.3}
# NestJS's ConfigModule (nodecall: cases that call ConfigModule.forRoot),
# with the peers it loads.
NESTJS_CONFIG_VERSION=${NESTJS_CONFIG_VERSION:-4.0.4}
NESTJS_COMMON_VERSION=${NESTJS_COMMON_VERSION:-11.2.12}
# Empty: the versions pinned in scripts/conformance/gorunner/go.mod.
GODOTENV_VERSION=${GODOTENV_VERSION:-}
COMPOSE_GO_VERSION=${COMPOSE_GO_VERSION:-}
GO_ENVPARSE_VERSION=${GO_ENVPARSE_VERSION:-}
PYTHON=${PYTHON:-/usr/bin/python3} # Debian's, where python3-dotenv lives
# A Python with pydantic-settings 2 (Debian packages none; its own
# python-dotenv is the one pydantic-settings then uses).
PYDANTIC_PYTHON=${PYDANTIC_PYTHON:-python3}
NODE=${NODE:-node}
GO=${GO:-go}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$repo/scripts/conformance
data=$repo/internal/envload/testdata/conformance
dir=${CONFORMANCE_DIR:-/tmp/dbguard-conformance}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { printf 'conformance: %s\n' "$*" >&2; }

# --- Node loaders -----------------------------------------------------------
mkdir -p "$dir/node"
pkg=$(printf '{"name":"dbguard-conformance-loaders","private":true,"dependencies":{"@dotenvx/dotenvx":"%s","@nestjs/common":"%s","@nestjs/config":"%s","@next/env":"%s","dotenv":"%s","dotenv-cli":"%s","dotenv-expand":"%s","dotenv-flow":"%s","dotenv-preload":"npm:dotenv@%s","reflect-metadata":"0.2.2","rxjs":"7.8.2","vite":"%s"}}' \
	"$DOTENVX_VERSION" "$NESTJS_COMMON_VERSION" "$NESTJS_CONFIG_VERSION" "$NEXT_ENV_VERSION" "$DOTENV_VERSION" "$DOTENV_CLI_VERSION" "$DOTENV_EXPAND_VERSION" "$DOTENV_FLOW_VERSION" "$DOTENV_PRELOAD_VERSION" "$VITE_VERSION")
if [[ ! -d $dir/node/node_modules || "$(cat "$dir/node/.installed" 2>/dev/null)" != "$pkg" ]]; then
	log "npm install into $dir/node"
	printf '%s\n' "$pkg" >"$dir/node/package.json"
	rm -f "$dir/node/.installed"
	(cd "$dir/node" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
	printf '%s' "$pkg" >"$dir/node/.installed"
fi
# Beside node_modules, so require('dotenv') and import('vite') resolve there.
cp "$src/run.cjs" "$dir/node/run.cjs"
# Each preload's dotenv under its own name, for the scripts' NODE_PATH:
# preload/17 (DOTENV_PRELOAD_VERSION) and preload/18 (DOTENV_VERSION).
mkdir -p "$dir/preload/17/node_modules" "$dir/preload/18/node_modules"
ln -sfn "$dir/node/node_modules/dotenv-preload" "$dir/preload/17/node_modules/dotenv"
ln -sfn "$dir/node/node_modules/dotenv" "$dir/preload/18/node_modules/dotenv"

# --- python-dotenv (Debian) ---------------------------------------------------
if ! "$PYTHON" -c 'import dotenv' 2>/dev/null; then
	log "apt-get install python3-dotenv"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq python3-dotenv >&2 || { apt-get update -qq >&2 && apt-get install -y -qq python3-dotenv >&2; }
fi

# python-decouple 3.6 and django-environ 0.4.4 (Debian), in the same Python.
for m in decouple:python3-decouple environ:python3-django-environ; do
	if ! "$PYTHON" -c "import ${m%%:*}" 2>/dev/null; then
		log "apt-get install ${m#*:}"
		apt-get install -y -qq "${m#*:}" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq "${m#*:}" >&2; }
	fi
done
if ! "$PYDANTIC_PYTHON" -c 'import pydantic_settings' 2>/dev/null; then
	log "$PYDANTIC_PYTHON cannot import pydantic_settings: install pydantic-settings 2 there (pip install pydantic-settings) or set PYDANTIC_PYTHON"
	exit 1
fi
PYDANTIC_PYTHON=$(command -v "$PYDANTIC_PYTHON")
# pyenv's shim finds its python through PYENV_* and HOME, which the case's
# environment does not hold: run the interpreter itself.
PYDANTIC_PYTHON=$("$PYDANTIC_PYTHON" -c 'import sys; print(sys.executable)')

# --- Go runner (godotenv, compose-go, go-envparse) ----------------------------
rm -rf "$dir/gorunner-src"
cp -r "$src/gorunner" "$dir/gorunner-src"
gets=()
[[ -n $GODOTENV_VERSION ]] && gets+=("github.com/joho/godotenv@$GODOTENV_VERSION")
[[ -n $COMPOSE_GO_VERSION ]] && gets+=("github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION")
[[ -n $GO_ENVPARSE_VERSION ]] && gets+=("github.com/hashicorp/go-envparse@$GO_ENVPARSE_VERSION")
if ((${#gets[@]})); then
	(cd "$dir/gorunner-src" && "$GO" get "${gets[@]}" >&2 && "$GO" mod tidy >&2)
fi
(cd "$dir/gorunner-src" && "$GO" build -o "$dir/bin/gorunner" . && "$GO" build -o "$dir/bin/composerunner" ./composerunner)

# --- Run --------------------------------------------------------------------
mkdir -p "$dir/work"
start=$(date +%s)
"$dir/bin/gorunner" \
	-cases "$data/cases" -golden "$data/golden" -work "$dir/work" \
	-node "$NODE" -node-runner "$dir/node/run.cjs" -node-bin "$dir/node/node_modules/.bin" -node-path "$dir/preload" \
	-python "$PYTHON" -py-runner "$src/run.py" -pydantic-python "$PYDANTIC_PYTHON" \
	"$@"
# Compose services (internal/envload/testdata/compose): what compose-go's
# loader hands each container. Named cases of the dotenv suite are not
# compose cases: run them all only when no case is named.
if (($# == 0)); then
	# django-environ's read_env, line by line (TestDjangoEnvironLines).
	"$PYTHON" "$src/django_environ_lines.py" "$data/../djangoenviron/lines.json" "$data/../djangoenviron/golden.json"
	# Which file each read_env call reads, and what wins (TestDjangoEnvironCallGoldens).
	calls="$repo/internal/envcheck/testdata/djangoenviron"
	"$PYTHON" "$src/django_environ_calls.py" "$calls/calls.json" "$calls"
	# Other releases from their source (PyPI is not reachable here):
	# DJANGO_ENVIRON_SRCS="/tmp/de-0.10.0 /tmp/de-0.11.2", each a folder
	# holding a release's environ/ (git archive v0.11.2 environ | tar -x),
	# recorded as golden-VERSION.json.
	for de in ${DJANGO_ENVIRON_SRCS:-}; do
		v=$(PYTHONPATH=$de "$PYTHON" -c 'import environ; print(environ.__version__)')
		PYTHONPATH=$de "$PYTHON" "$src/django_environ_lines.py" "$data/../djangoenviron/lines.json" "$data/../djangoenviron/golden-$v.json"
		PYTHONPATH=$de "$PYTHON" "$src/django_environ_calls.py" "$calls/calls.json" "$calls"
	done
	"$dir/bin/composerunner" -cases "$data/../compose/cases" -golden "$data/../compose/golden" -work "$dir/work"
fi
log "done in $(($(date +%s) - start))s"
