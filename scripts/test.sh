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
# The slowest suites too: the suite's time budget (15 minutes on a warm cache) is kept by looking at them.
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const root = process.cwd() + "/";
const suites = r.testResults.map((t) => ({ name: t.name.replace(root, ""), s: (t.endTime - t.startTime) / 1000 }));
const total = suites.reduce((sum, t) => sum + t.s, 0);
const slowest = suites.sort((a, b) => b.s - a.s).slice(0, 8).map((t) => `${t.name} ${t.s.toFixed(0)} s`);
console.log(`slowest suites (of ${total.toFixed(0)} s): ${slowest.join(", ")}`);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$results" || true
rm -f "$results"
exit "$status"
