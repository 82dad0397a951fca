#!/usr/bin/env bash
# Installs the external tools cozy-proxmox runs (Temporal servers, and more as they are added), idempotently,
# into ~/.cache/cozy-proxmox/<tool>-<version> (override with COZY_PROXMOX_CACHE).
#
#   scripts/tools.sh [TOOL...]   install (default: all) and print KEY=PATH lines for each binary
#   scripts/tools.sh --env       the same lines, for `eval`/`source`
#
# The KEY=PATH lines are also written to $COZY_CACHE/tools.env, which the tests and the sandbox read.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/lib.sh
. "$here/tools/lib.sh"

declare -A EMITTED=()
emit() { EMITTED[$1]=$2; }

all_tools=()
for f in "$here"/tools/*.sh; do
  name=$(basename "$f" .sh)
  [ "$name" = lib ] && continue
  # shellcheck disable=SC1090
  . "$f"
  all_tools+=("$name")
done

wanted=()
for a in "$@"; do [ "$a" = --env ] || wanted+=("$a"); done
[ ${#wanted[@]} -gt 0 ] || wanted=("${all_tools[@]}")

for t in "${wanted[@]}"; do
  fn="install_${t//-/_}"
  declare -F "$fn" >/dev/null || die "unknown tool '$t' (known: ${all_tools[*]})"
  "$fn"
done

trim_go_build_cache

envfile="$COZY_CACHE/tools.env"
touch "$envfile"
for k in "${!EMITTED[@]}"; do
  grep -v "^$k=" "$envfile" > "$envfile.tmp" || true
  printf '%s=%s\n' "$k" "${EMITTED[$k]}" >> "$envfile.tmp"
  mv "$envfile.tmp" "$envfile"
  printf '%s=%s\n' "$k" "${EMITTED[$k]}"
done | sort
