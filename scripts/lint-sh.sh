#!/usr/bin/env bash
# Runs shellcheck on every shell file we ship or run: server-scripts/ and scripts/ (every *.sh, and any
# other file starting with a sh/bash shebang), plus .ci/run and dev.sh. Sources are followed
# relative to the sourcing file (-P SCRIPTDIR), so hostdeck.sh is checked with the lib it loads. A finding
# is fixed, or disabled at its line with a one-line reason; `npm run lint:sh` exits non-zero on any.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v shellcheck >/dev/null || {
  echo "shellcheck is not installed: run scripts/ensure-system.sh (Debian package shellcheck)" >&2
  exit 1
}
files=(.ci/run dev.sh)
while IFS= read -r -d '' f; do
  if [[ $f == *.sh ]] || head -n 1 -- "$f" | grep -qE '^#!(/usr/bin/env |/bin/)(ba)?sh'; then files+=("$f"); fi
done < <(find server-scripts scripts -type f -print0 | sort -z)
shellcheck --external-sources --source-path=SCRIPTDIR "${files[@]}"
echo "shellcheck: ${#files[@]} files clean"
