#!/usr/bin/env bash
# `npm run demo`: from a fresh clone to a finished integrate-cluster run on the embedded sandbox.
# Installs dependencies and every tool the sandbox runs when missing (the first time this builds the Kubernetes
# tools from source: progress and log paths on stderr), builds, then runs `cozy-proxmox demo` (arguments pass
# through, e.g. `npm run demo -- --keep`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '==> %s\n' "$*" >&2; }
. scripts/lib/npm-deps.sh
ensure_npm_deps
step "installing tools (cached under ${COZY_PROXMOX_CACHE:-$HOME/.cache/cozy-proxmox})"
bash scripts/tools.sh >/dev/null
step "building"
npm run --silent build
exec node bin/cozy-proxmox.js demo "$@"
