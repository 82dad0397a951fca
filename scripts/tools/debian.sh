# Debian packages the project runs (installed with apt-get, only those dpkg does not already report installed):
#   python3-proxmoxer  the Proxmox API client the simulator's compatibility test drives
#   openssh-client     ssh-keygen, whose fingerprints the SSH layer's host-key pinning must match
#   openssh-server     the sshd the sandbox runs on loopback as the Proxmox host a worker joins from
#   iproute2           `ip link set lo up` in the network namespace each Cluster API manager runs in
#   genisoimage, xorriso  the simulator's tests make NoCloud seed ISOs with them, as cloud-localds and other clients do
#   postgresql-15      the database of the real Temporal server (sandbox --temporal server), run by the sandbox on
#                      loopback with its data in the sandbox directory
DEBIAN_PACKAGES=(python3 python3-requests python3-proxmoxer openssh-client openssh-server iproute2 genisoimage xorriso postgresql-15)

# Packages whose maintainer scripts would start a daemon (openssh-server on *:22, PostgreSQL's packaged cluster).
# They are installed with service starts refused through /usr/sbin/policy-rc.d, and no such daemon may survive the
# install.
DEBIAN_DAEMON_PACKAGES=(openssh-server postgresql-15)

POLICY_RC_D=/usr/sbin/policy-rc.d
POLICY_RC_D_BACKUP=/usr/sbin/policy-rc.d.cozy-proxmox-saved

# Refuses every service start during the install (exit 101 = action forbidden); a policy the system already has is
# kept aside and put back afterwards.
deny_service_starts() {
  local sudo=("$@")
  # A backup left by an interrupted install is the original: never overwrite it with our own policy.
  if [ -e "$POLICY_RC_D" ] && [ ! -e "$POLICY_RC_D_BACKUP" ]; then "${sudo[@]}" cp -p "$POLICY_RC_D" "$POLICY_RC_D_BACKUP"; fi
  printf '#!/bin/sh\n# cozy-proxmox tools: no service may start while Debian packages are installed\nexit 101\n' \
    | "${sudo[@]}" tee "$POLICY_RC_D" >/dev/null
  "${sudo[@]}" chmod 755 "$POLICY_RC_D"
}

restore_service_policy() {
  local sudo=("$@")
  if [ -e "$POLICY_RC_D_BACKUP" ]; then
    "${sudo[@]}" mv -f "$POLICY_RC_D_BACKUP" "$POLICY_RC_D"
  else
    "${sudo[@]}" rm -f "$POLICY_RC_D"
  fi
}

# An sshd started by the package (a system without the policy, or an init that ignores it) is stopped: only the
# sandbox's own sshd, bound to 127.0.0.1, may run.
stop_packaged_sshd() {
  local sudo=("$@") pid
  if [ -f /run/sshd.pid ]; then
    pid=$(cat /run/sshd.pid 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]; then
      progress "stopping the sshd the package started (pid $pid)"
      "${sudo[@]}" kill "$pid" 2>/dev/null || true
    fi
  fi
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    "${sudo[@]}" systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
}

# True while something listens on TCP port 22 (read from /proc, no extra tool needed).
port_22_listening() {
  awk 'NR > 1 && $4 == "0A" && $2 ~ /:0016$/ { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

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
    progress "installing Debian packages: ${missing[*]} (service starts refused during the install)"
    deny_service_starts "${sudo[@]}"
    # The policy goes back however the install ends.
    trap 'restore_service_policy '"${sudo[*]}"'' EXIT
    # A fresh machine may have no package lists yet: refresh them once, then retry.
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
      progress "apt-get install failed; refreshing the package lists (apt-get update) and retrying"
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q >&2 || die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get could not install ${missing[*]}"
    fi
    restore_service_policy "${sudo[@]}"
    trap - EXIT
    mapfile -t missing < <(debian_missing)
    [ ${#missing[@]} -eq 0 ] || die "still missing after apt-get: ${missing[*]}"
  else
    progress "Debian packages already installed: ${DEBIAN_PACKAGES[*]}"
  fi
  local sudo_stop=()
  [ "$(id -u)" -eq 0 ] || sudo_stop=(sudo)
  stop_packaged_sshd "${sudo_stop[@]}"
  if port_22_listening; then
    die "something listens on port 22 after the install; stop it (nothing but loopback servers may run here)"
  fi
  [ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd missing after installing ${DEBIAN_DAEMON_PACKAGES[*]}"
  emit SSHD /usr/sbin/sshd
  [ -x /usr/bin/ssh-keygen ] || die "/usr/bin/ssh-keygen missing after installing openssh-client"
  emit SSH_KEYGEN /usr/bin/ssh-keygen
  [ -x /usr/bin/python3 ] || die "/usr/bin/python3 missing"
  /usr/bin/python3 -c 'import proxmoxer' || die "python3 cannot import proxmoxer"
  emit PYTHON3_DEBIAN /usr/bin/python3
  local iso_tool
  for iso_tool in genisoimage xorriso; do
    [ -x "/usr/bin/$iso_tool" ] || die "/usr/bin/$iso_tool missing after installing $iso_tool"
  done
  emit GENISOIMAGE /usr/bin/genisoimage
  emit XORRISO /usr/bin/xorriso
}
