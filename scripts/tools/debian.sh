# Debian packages the project runs (installed with apt-get, only those dpkg does not already report installed):
#   python3-proxmoxer  the Proxmox API client the simulator's compatibility test drives
#   openssh-client     ssh-keygen, whose fingerprints the SSH layer's host-key pinning must match
DEBIAN_PACKAGES=(python3 python3-requests python3-proxmoxer openssh-client)

debian_missing() {
  local p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || printf '%s\n' "$p"
  done
}

install_debian() {
  local missing
  mapfile -t missing < <(debian_missing)
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} with this system's package manager"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    progress "installing Debian packages: ${missing[*]}"
    # A fresh machine may have no package lists yet: refresh them once, then retry.
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
      progress "apt-get install failed; refreshing the package lists (apt-get update) and retrying"
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q >&2 || die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get could not install ${missing[*]}"
    fi
    mapfile -t missing < <(debian_missing)
    [ ${#missing[@]} -eq 0 ] || die "still missing after apt-get: ${missing[*]}"
  else
    progress "Debian packages already installed: ${DEBIAN_PACKAGES[*]}"
  fi
  [ -x /usr/bin/python3 ] || die "/usr/bin/python3 missing"
  /usr/bin/python3 -c 'import proxmoxer' || die "python3 cannot import proxmoxer"
  emit PYTHON3_DEBIAN /usr/bin/python3
}
