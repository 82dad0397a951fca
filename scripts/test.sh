#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need, builds, lints, and runs the whole suite serially
# against one real Temporal dev server (and the other real servers the suites start).
#   npm test                      everything
#   npm test -- test/workflow     only some suites (arguments go to jest)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

. scripts/lib/npm-deps.sh
ensure_npm_deps
step "installing tools (cached under ${COZY_PROXMOX_CACHE:-$HOME/.cache/cozy-proxmox})"
bash scripts/tools.sh
# One compile type-checks everything (sources, tests, benchmarks) and writes dist/, which the CLI tests and the
# sandbox's processes run, then the workflow bundle their workers load; jest then only transpiles (ts-jest
# isolatedModules), since the types were checked here.
step "type-checking and building"
npx tsc -p tsconfig.json
node dist/src/workflow-bundle.js
step "linting"
npx eslint .
step "running the tests"
results="$(mktemp)"
status=0
npx jest --runInBand --json --outputFile="$results" "$@" || status=$?
# One plain closing line with the counts, whatever the reporter printed above.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results" || true
rm -f "$results"
exit "$status"
