# Sourced by the entry scripts: installs the npm dependencies when missing or older than the lock file.
ensure_npm_deps() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    printf '==> %s\n' "installing npm dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund
  fi
}
