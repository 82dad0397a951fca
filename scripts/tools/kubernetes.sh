# Kubernetes control plane for the sandbox and the tests, all built from source with the Go toolchain:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (tools/kube/go.mod, k8s.io/kubernetes)
#   kubeadm, run on the sandbox's Proxmox host for the join          (the same module, its own cache folder)
#   etcd                                                              (tools/kube/etcd/go.mod)
#   kwok (fake kubelets), helm                                        (`go install` at a pinned version)
# `scripts/tools.sh kubernetes` installs all of them; etcd, kwok, helm and kube-binaries can be installed alone.
# Debian's etcd (3.4) is too old for kube-apiserver 1.34 (watch-list needs RequestWatchProgress), hence the build.
KUBERNETES_VERSION=1.34.4
ETCD_VERSION=3.6.4
KWOK_VERSION=0.7.0
HELM_VERSION=3.19.5

KUBE_WRAPPER_MODULE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/kube" && pwd)"

install_kubernetes() {
  # kwok and helm (`go install`, with module downloads) build beside etcd and the Kubernetes binaries.
  build_beside install_kwok install_helm -- install_etcd install_kube_binaries install_kubeadm
}

# The same stamps as Kubernetes' own release build, so `kubectl version`, charts' kubeVersion and kubeadm's version
# skew checks see the release.
kube_version_stamp() {
  local minor stamp="" key val
  minor=${KUBERNETES_VERSION#*.}; minor=${minor%%.*}
  for pair in "gitVersion=v$KUBERNETES_VERSION" "gitMajor=${KUBERNETES_VERSION%%.*}" "gitMinor=$minor" \
    "gitTreeState=clean" "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    key=${pair%%=*}; val=${pair#*=}
    stamp+=" -X k8s.io/client-go/pkg/version.$key=$val -X k8s.io/component-base/version.$key=$val"
  done
  printf '%s' "$stamp"
}

# kubeadm has its own folder so an installed control plane is not rebuilt for it.
install_kubeadm() {
  local dir
  dir=$(tool_dir kubeadm "$KUBERNETES_VERSION")
  if ! is_installed "$dir"; then
    reset_tmp_dir "$dir"
    go_build_step "$KUBE_WRAPPER_MODULE" k8s.io/kubernetes/cmd/kubeadm "$dir.tmp/bin/kubeadm" "-s -w$(kube_version_stamp)" \
      "build kubeadm v$KUBERNETES_VERSION"
    finish_tmp_dir "$dir"
  fi
  require_binary "$dir/bin/kubeadm"
  emit KUBEADM "$dir/bin/kubeadm"
}

install_kube_binaries() {
  local dir bin
  dir=$(tool_dir kubernetes "$KUBERNETES_VERSION")
  if ! is_installed "$dir"; then
    local stamp
    stamp=$(kube_version_stamp)
    reset_tmp_dir "$dir"
    for bin in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      go_build_step "$KUBE_WRAPPER_MODULE" "k8s.io/kubernetes/cmd/$bin" "$dir.tmp/bin/$bin" "-s -w$stamp" \
        "build $bin v$KUBERNETES_VERSION"
    done
    finish_tmp_dir "$dir"
  fi
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    require_binary "$dir/bin/$bin"
  done
  emit KUBE_APISERVER "$dir/bin/kube-apiserver"
  emit KUBE_CONTROLLER_MANAGER "$dir/bin/kube-controller-manager"
  emit KUBE_SCHEDULER "$dir/bin/kube-scheduler"
  emit KUBECTL "$dir/bin/kubectl"
}

install_etcd() {
  local dir
  dir=$(tool_dir etcd "$ETCD_VERSION")
  if ! is_installed "$dir"; then
    reset_tmp_dir "$dir"
    go_build_step "$KUBE_WRAPPER_MODULE/etcd" go.etcd.io/etcd/server/v3 "$dir.tmp/bin/etcd" "-s -w" \
      "build etcd v$ETCD_VERSION"
    finish_tmp_dir "$dir"
  fi
  require_binary "$dir/bin/etcd"
  emit ETCD "$dir/bin/etcd"
}

install_kwok() {
  go_install_tool kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok KWOK
}

install_helm() {
  local dir minor stamp
  dir=$(tool_dir helm "$HELM_VERSION")
  if ! is_installed "$dir"; then
    minor=${KUBERNETES_VERSION#*.}; minor=${minor%%.*}
    # Helm's release build stamps its own version and the Kubernetes version used when no cluster is asked.
    stamp="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
    stamp+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
    stamp+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
    reset_tmp_dir "$dir"
    go_install_step "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" "$dir.tmp/bin" "$stamp" "install helm v$HELM_VERSION"
    finish_tmp_dir "$dir"
  fi
  require_binary "$dir/bin/helm"
  emit HELM "$dir/bin/helm"
}
