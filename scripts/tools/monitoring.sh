# Monitoring for the sandbox and the tests:
#   prometheus, promtool     Debian's `prometheus` package, installed with its service kept stopped
#   pve_exporter             PyPI's `prometheus-pve-exporter`, in a virtualenv of its own under the cache
#   victoria-metrics         Debian's `victoria-metrics` (single-node, with its Prometheus-compatible scrape and
#                            query APIs) and its `vmagent`: CozyStack's monitoring stack, for the tests of step 7
#   victoria-logs            VictoriaLogs built from its Go module: CozyStack's logging stack (one binary that is
#                            storage, vlinsert or vlselect by its flags), for the tests of step7.logs and the sandbox
#   vlagent                  VictoriaLogs' collector from the same module: in the sandbox it reads the container logs
#                            of the pods that run as processes and ships them to VictoriaLogs
# `scripts/tools.sh monitoring` installs all five; `prometheus`, `pve-exporter`, `victoria-metrics`,
# `victoria-logs` and `vlagent` alone too.
PVE_EXPORTER_VERSION=3.10.2
# The newest VictoriaLogs release the module proxy serves here.
VICTORIA_LOGS_VERSION=1.52.2
# Debian's python3 (not whatever python3 is first on PATH): the virtualenv keeps pointing at the interpreter it was
# made with, so it must be one that stays where it is.
MONITORING_PYTHON=/usr/bin/python3

install_monitoring() {
  install_prometheus
  install_pve_exporter
  install_victoria_metrics
  install_victoria_logs
  install_vlagent
}

install_victoria_logs() {
  go_install_tool victoria-logs "$VICTORIA_LOGS_VERSION" github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs VICTORIA_LOGS
}

install_vlagent() {
  go_install_tool vlagent "$VICTORIA_LOGS_VERSION" github.com/VictoriaMetrics/VictoriaLogs/app/vlagent VLAGENT
}

install_victoria_metrics() {
  if monitoring_deb_installed victoria-metrics; then
    progress "Debian package already installed: victoria-metrics"
  else
    progress "installing the Debian package victoria-metrics with service start disabled"
    apt_install_quietly victoria-metrics
    monitoring_deb_installed victoria-metrics || die "still missing after apt-get: victoria-metrics"
  fi
  monitoring_require_binary /usr/bin/victoria-metrics
  monitoring_require_binary /usr/bin/vmagent
  /usr/bin/victoria-metrics -version >/dev/null 2>&1 || die "/usr/bin/victoria-metrics does not run (victoria-metrics -version failed)"
  emit VICTORIA_METRICS /usr/bin/victoria-metrics
  emit VMAGENT /usr/bin/vmagent
}

# apt_install_quietly PACKAGE...: installs Debian packages while no maintainer script may start a service. Debian's
# prometheus package starts its daemon (listening on every interface) from its postinst; a policy-rc.d that exits
# 101 tells invoke-rc.d/deb-systemd-invoke "not allowed", so the package is installed and nothing starts.
apt_install_quietly() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* with this system's package manager"
  local sudo=() policy=/usr/sbin/policy-rc.d backup="" status=0
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  if [ -e "$policy" ]; then
    backup=$(mktemp)
    "${sudo[@]}" cp -p "$policy" "$backup"
  fi
  printf '#!/bin/sh\n# Installed by cozy-proxmox during an apt-get install: no service may start.\nexit 101\n' \
    | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  # shellcheck disable=SC2317
  restore_policy() {
    if [ -n "$backup" ]; then "${sudo[@]}" cp -p "$backup" "$policy" && rm -f "$backup"; else "${sudo[@]}" rm -f "$policy"; fi
  }
  trap restore_policy EXIT
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$@" >&2; then
    progress "apt-get install failed; refreshing the package lists (apt-get update) and retrying"
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q >&2; then
      status=1
    elif ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$@" >&2; then
      status=2
    fi
  fi
  restore_policy
  trap - EXIT
  [ "$status" -ne 1 ] || die "apt-get update failed while installing $*"
  [ "$status" -ne 2 ] || die "apt-get could not install $*"
}

monitoring_require_binary() { [ -x "$1" ] || die "expected binary missing at $1"; }

monitoring_deb_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }

install_prometheus() {
  local missing=() p
  for p in prometheus python3-venv; do monitoring_deb_installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    progress "installing Debian packages with service start disabled: ${missing[*]}"
    apt_install_quietly "${missing[@]}"
    for p in "${missing[@]}"; do monitoring_deb_installed "$p" || die "still missing after apt-get: $p"; done
  else
    progress "Debian packages already installed: prometheus python3-venv"
  fi
  monitoring_require_binary /usr/bin/prometheus
  monitoring_require_binary /usr/bin/promtool
  /usr/bin/prometheus --version >/dev/null 2>&1 || die "/usr/bin/prometheus does not run (prometheus --version failed)"
  emit PROMETHEUS /usr/bin/prometheus
  emit PROMTOOL /usr/bin/promtool
}

install_pve_exporter() {
  local dir
  dir=$(tool_dir pve-exporter "$PVE_EXPORTER_VERSION")
  if ! is_installed "$dir"; then
    [ -x "$MONITORING_PYTHON" ] || die "$MONITORING_PYTHON missing: run \`scripts/tools.sh debian\` first"
    "$MONITORING_PYTHON" -c 'import ensurepip, venv' 2>/dev/null \
      || die "$MONITORING_PYTHON cannot make virtualenvs: run \`scripts/tools.sh prometheus\` (installs python3-venv)"
    # A virtualenv records its own path, so it is built where it stays; the marker, written last, says it is whole.
    rm -rf "$dir"
    progress "creating a virtualenv for prometheus-pve-exporter $PVE_EXPORTER_VERSION in $dir"
    "$MONITORING_PYTHON" -m venv "$dir" || die "could not create a virtualenv in $dir"
    progress "installing prometheus-pve-exporter==$PVE_EXPORTER_VERSION into $dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "prometheus-pve-exporter==$PVE_EXPORTER_VERSION" >&2 \
      || die "pip could not install prometheus-pve-exporter==$PVE_EXPORTER_VERSION (is the Python package index reachable?)"
    mark_installed "$dir"
  fi
  monitoring_require_binary "$dir/bin/pve_exporter"
  "$dir/bin/pve_exporter" --help >/dev/null 2>&1 || die "$dir/bin/pve_exporter does not run (pve_exporter --help failed)"
  emit PVE_EXPORTER "$dir/bin/pve_exporter"
}
