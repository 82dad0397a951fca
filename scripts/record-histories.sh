#!/usr/bin/env bash
# Records this release's replay corpus into test/histories/<package.json version>/ (the sandbox's packages/sandbox/src/record-histories.ts):
# builds, starts a sandbox of its own (default /tmp/cozy-proxmox-record-sandbox, or --dir), runs the four kinds of
# runs, replays them, stops the sandbox. About 10 to 15 minutes.
#
#   bash scripts/record-histories.sh [--dir <sandbox dir>] [--only finished,waiting-at-gate,...] [--keep-sandbox] [--with-vms]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> building (tsc, workflow bundle)" >&2
npx tsc -p tsconfig.json
node dist/src/workflow-bundle.js
exec node dist/packages/sandbox/src/record-histories.js "$@"
