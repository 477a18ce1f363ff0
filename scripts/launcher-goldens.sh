#!/usr/bin/env bash
# Goldens for which value an env launcher gives the command it runs: each
# line of internal/tool/testdata/launchers/lines.txt runs with the real
# env-cmd, dotenvx and dotenv-cli (from npm, versions below; dotenv-cli's
# binary is dotenv) in a scratch folder whose
# .env and .env.prod set DATABASE_URL=file, with DATABASE_URL=guarded in
# the environment, CMD replaced by node print.js, which prints the value
# it got. goldens.tsv gets the line and file, guarded, or error (the launcher
# failed), under a header naming the versions. TestLauncherGoldens (go
# test ./internal/tool, no node needed) compares dbguard's refusals with
# it.
#
#   scripts/launcher-goldens.sh
#
# LAUNCHER_MODULES, when set, is a folder whose node_modules holds the
# two already.
set -euo pipefail

ENV_CMD_VERSION=${ENV_CMD_VERSION:-11.0.0}
DOTENV_CLI_VERSION=${DOTENV_CLI_VERSION:-8.0.0}
DOTENVX_VERSION=${DOTENVX_VERSION:-2.38.2}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$repo/internal/tool/testdata/launchers
mods=${LAUNCHER_MODULES:-/tmp/dbguard-launcher-goldens}
mkdir -p "$mods"
mods=$(cd "$mods" && pwd)
if [ ! -x "$mods/node_modules/.bin/env-cmd" ] || [ ! -x "$mods/node_modules/.bin/dotenvx" ] || [ ! -x "$mods/node_modules/.bin/dotenv" ]; then
	(cd "$mods" && npm install --no-audit --no-fund --no-save "env-cmd@$ENV_CMD_VERSION" "@dotenvx/dotenvx@$DOTENVX_VERSION" "dotenv-cli@$DOTENV_CLI_VERSION" >/dev/null)
fi
got_env_cmd=$(node -p "require('$mods/node_modules/env-cmd/package.json').version")
got_dotenvx=$(node -p "require('$mods/node_modules/@dotenvx/dotenvx/package.json').version")
got_dotenv_cli=$(node -p "require('$mods/node_modules/dotenv-cli/package.json').version")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'DATABASE_URL=file\n' >"$work/.env"
printf 'DATABASE_URL=file\n' >"$work/.env.prod"
printf 'process.stdout.write(process.env.DATABASE_URL || "unset")\n' >"$work/print.js"

out=$data/goldens.tsv.new
printf '# env-cmd %s, dotenvx %s, dotenv-cli %s (dotenv)\n' "$got_env_cmd" "$got_dotenvx" "$got_dotenv_cli" >"$out"
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	read -ra words <<<"$line"
	argv=()
	for w in "${words[@]}"; do
		if [ "$w" = CMD ]; then
			argv+=(node print.js) # no option of its own: commander reads them after the command too
		else
			argv+=("$w")
		fi
	done
	argv[0]=$mods/node_modules/.bin/${argv[0]}
	if got=$(cd "$work" && DATABASE_URL=guarded DOTENV_KEY= "${argv[@]}" 2>/dev/null); then
		case $got in file | guarded) ;; *) got=error ;; esac
	else
		got=error
	fi
	printf '%s\t%s\n' "$line" "$got" >>"$out"
done <"$data/lines.txt"
mv "$out" "$data/goldens.tsv"
echo "wrote $data/goldens.tsv (env-cmd $got_env_cmd, dotenvx $got_dotenvx, dotenv-cli $got_dotenv_cli)"
