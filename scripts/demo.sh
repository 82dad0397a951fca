#!/usr/bin/env bash
# `npm run demo`: from a fresh clone to a finished integrate-cluster run on the embedded sandbox.
# Installs dependencies and tools when missing, builds, then runs `cozy-proxmox demo` (arguments pass through,
# e.g. `npm run demo -- --keep`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '==> %s\n' "$*" >&2; }
. scripts/lib/npm-deps.sh
ensure_npm_deps
step "installing tools"
bash scripts/tools.sh temporal >/dev/null
step "building"
npm run --silent build
exec node bin/cozy-proxmox.js demo "$@"
