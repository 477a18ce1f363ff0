#!/usr/bin/env bash
# The Action's install step: puts dbguard in $RUNNER_TEMP/dbguard-bin and
# that folder on the PATH of the job's next steps ($GITHUB_PATH).
#   DBGUARD_VERSION  vX.Y.Z: the release archive, its SHA-256 checked
#                    against the release's checksums.txt; empty or
#                    "source": make build in the action's checkout ($GITHUB_ACTION_PATH)
#   DBGUARD_RELEASE_URL  where releases are downloaded from (tests, mirrors)
set -euo pipefail

dest="$RUNNER_TEMP/dbguard-bin"
mkdir -p "$dest"
version="${DBGUARD_VERSION:-source}"

if [ "$version" = source ]; then
  command -v go >/dev/null 2>&1 || { echo "::error title=dbguard::version: source builds dbguard with Go, and there is no go on this runner (add actions/setup-go, or set version: vX.Y.Z)"; exit 2; }
  make -C "$GITHUB_ACTION_PATH" --no-print-directory build BIN="$dest/dbguard"
else
  if ! [[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "::error title=dbguard::version '$version' is not a release tag like v0.3.0 (or empty, or source, to build from the checkout)"
    exit 2
  fi
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "::error title=dbguard::no release archive for $(uname -s) here; use version: source"; exit 2 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "::error title=dbguard::no release archive for $(uname -m); use version: source"; exit 2 ;;
  esac
  # The names .goreleaser.yaml gives its archives.
  archive="dbguard_${version#v}_${os}_${arch}.tar.gz"
  base="${DBGUARD_RELEASE_URL:-https://github.com/dbguard/dbguard/releases/download}/$version"
  tmp="$(mktemp -d "$RUNNER_TEMP/dbguard-download.XXXXXX")"
  curl -fsSL --retry 3 -o "$tmp/$archive" "$base/$archive"
  curl -fsSL --retry 3 -o "$tmp/checksums.txt" "$base/checksums.txt"
  want="$(awk -v f="$archive" '$2 == f { print $1 }' "$tmp/checksums.txt")"
  if command -v sha256sum >/dev/null 2>&1; then
    got="$(sha256sum "$tmp/$archive" | awk '{ print $1 }')"
  else
    got="$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')"
  fi
  if [ -z "$want" ] || [ "$got" != "$want" ]; then
    echo "::error title=dbguard::$archive: SHA-256 $got does not match the release's checksums.txt (${want:-no line for it}); not installed"
    exit 1
  fi
  tar -xzf "$tmp/$archive" -C "$dest" dbguard
  rm -rf "$tmp"
fi

echo "$dest" >> "$GITHUB_PATH"
"$dest/dbguard" --version
