#!/usr/bin/env bash
# What a new user meets: a fresh clone of this repository's HEAD, HOME and the tool cache pointed at a new, empty
# directory, then the README's two commands, the demo once more, and twice `sandbox up` / `integrate-cluster` /
# `sandbox down`. Prints each command's time and exit code, and fails when a command fails or leaves a process
# behind.
#
#   scripts/fresh-machine-check.sh [--skip-test] [--keep] [WORK_DIR]
#
# WORK_DIR (default: a new folder under /tmp) holds the clone, the new HOME (with its npm, pip and tool caches) and
# one log per command. It must not exist yet, or be empty. --skip-test leaves out `npm test`; --keep keeps WORK_DIR
# (its tool cache is several GB) after a run that passed.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

skip_test=0 keep=0 work=""
for arg in "$@"; do
  case "$arg" in
    --skip-test) skip_test=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) printf 'error: unknown option %s (see --help)\n' "$arg" >&2; exit 2 ;;
    *) work="$arg" ;;
  esac
done
if [ -z "$work" ]; then
  work="$(mktemp -d /tmp/cozy-proxmox-fresh.XXXXXX)"
elif [ -e "$work" ] && [ -n "$(ls -A "$work")" ]; then
  printf 'error: %s is not empty: a fresh-machine check needs a new directory\n' "$work" >&2
  exit 2
fi
mkdir -p "$work/home" "$work/logs"
work="$(cd "$work" && pwd)"

say() { printf '==> %s\n' "$*" >&2; }

if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  say "note: $repo has uncommitted changes; the check runs the committed HEAD only"
fi
say "cloning $repo ($(git -C "$repo" rev-parse --short HEAD)) into $work/clone"
git clone --quiet "$repo" "$work/clone"

# A new user: nothing cached, nothing configured. PATH stays (the toolchains are the machine's).
export HOME="$work/home"
export COZY_PROXMOX_CACHE="$HOME/.cache/cozy-proxmox"
unset COZY_PROXMOX_SANDBOX_DIR TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_TASK_QUEUE KUBECONFIG
cd "$work/clone"

names=() seconds=() codes=()
run() {
  local name=$1 log started code=0
  shift
  log="$work/logs/$(printf '%02d' "${#names[@]}")-$(printf '%s' "$name" | tr ' ' '-' | tr -cd 'a-z0-9-').log"
  say "$name: $* (log: $log)"
  started=$SECONDS
  "$@" >"$log" 2>&1 </dev/null || code=$?
  names+=("$name") seconds+=($((SECONDS - started))) codes+=("$code")
  say "$name: exit $code after $((SECONDS - started)) s"
  if [ "$code" -ne 0 ]; then tail -n 30 "$log" | sed 's/^/    /' >&2; fi
}

# Processes started from the clone or the new HOME and still alive.
leftovers() { pgrep -af -- "$work" | grep -v -e "pgrep" -e "fresh-machine-check" || true; }

run "demo (cold)" npm run demo
[ "$skip_test" -eq 1 ] || run "test" npm test
run "demo (again)" npm run demo
# The sandbox by hand, as the README's "embedded sandbox" section has it, twice: the second `up` follows a `down`.
sandbox_config="$COZY_PROXMOX_CACHE/sandbox/config.yaml"
for round in 1 2; do
  run "sandbox up $round" node bin/cozy-proxmox.js sandbox up
  address="$(node bin/cozy-proxmox.js sandbox status --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).temporal.address)}catch{}})')"
  run "integrate $round" env TEMPORAL_ADDRESS="$address" node bin/cozy-proxmox.js integrate-cluster -c "$sandbox_config" --auto-approve --wait --id "integrate-cluster-check-$round"
  run "sandbox down $round" node bin/cozy-proxmox.js sandbox down
done

left="$(leftovers)"

printf '\nfresh-machine check of %s at %s\n' "$(git rev-parse --short HEAD)" "$(date -u +%FT%TZ)"
printf '%-18s %8s %6s\n' command seconds exit
failed=0
for i in "${!names[@]}"; do
  printf '%-18s %8s %6s\n' "${names[$i]}" "${seconds[$i]}" "${codes[$i]}"
  [ "${codes[$i]}" -eq 0 ] || failed=1
done
grep -h '^tests: ' "$work"/logs/*test*.log 2>/dev/null | tail -n 1 || true
printf 'tool cache: %s (%s)\n' "$COZY_PROXMOX_CACHE" "$(du -sh "$COZY_PROXMOX_CACHE" 2>/dev/null | cut -f1)"
if [ -n "$left" ]; then
  printf 'processes left behind:\n%s\n' "$left"
  failed=1
else
  printf 'processes left behind: none\n'
fi
if [ "$failed" -eq 0 ] && [ "$keep" -eq 0 ]; then
  rm -rf "$work"
else
  printf 'work directory kept: %s\n' "$work"
fi
exit "$failed"
