# cluster-api-operator and the cert-manager it relies on, as CozyStack runs them to install Cluster API providers:
#   CAPI_OPERATOR_MANAGER     cluster-api-operator (version: CAPI_OPERATOR_VERSION of crds.sh, whose CRDs it serves)
#   CERT_MANAGER_CONTROLLER   cert-manager's controller: issues the providers' webhook serving certificates
#   CERT_MANAGER_CAINJECTOR   cert-manager's cainjector: puts their CA into webhook configurations and CRDs
#   CRDS_CERT_MANAGER         cert-manager's CRDs (deploy/crds of the same module)
# cert-manager is taken at v1.11.5: from v1.12 on its programs are Go modules of their own (cmd/controller, ...),
# which the module proxy here does not serve; v1.11.5 still builds them from the main module.
CERT_MANAGER_VERSION=1.11.5
CERT_MANAGER_MODULE=github.com/cert-manager/cert-manager

install_capi_operator() {
  build_beside install_cert_manager -- install_capi_operator_manager
}

install_capi_operator_manager() {
  module_tool_build capi-operator "$CAPI_OPERATOR_VERSION" sigs.k8s.io/cluster-api-operator ./cmd capi-operator \
    "-s -w -X sigs.k8s.io/cluster-api-operator/version.gitVersion=v$CAPI_OPERATOR_VERSION"
  emit CAPI_OPERATOR_MANAGER "$(tool_dir capi-operator "$CAPI_OPERATOR_VERSION")/bin/capi-operator"
}

install_cert_manager() {
  local dir bin
  dir=$(tool_dir cert-manager "$CERT_MANAGER_VERSION")
  if ! is_installed "$dir"; then
    reset_tmp_dir "$dir"
    progress "build cert-manager v$CERT_MANAGER_VERSION: go mod download $CERT_MANAGER_MODULE@v$CERT_MANAGER_VERSION"
    local out src
    out=$( (go_env && cd "$COZY_CACHE" && go mod download -json "$CERT_MANAGER_MODULE@v$CERT_MANAGER_VERSION") 2>&1) \
      || die "go mod download $CERT_MANAGER_MODULE@v$CERT_MANAGER_VERSION failed: $out"
    src=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -n "$src" ] && [ -d "$src" ] || die "go mod download $CERT_MANAGER_MODULE@v$CERT_MANAGER_VERSION printed no module folder: $out"
    cp -r "$src" "$dir.tmp/src" && chmod -R u+w "$dir.tmp/src"
    for bin in controller cainjector; do
      go_build_step "$dir.tmp/src" "./cmd/$bin" "$dir.tmp/bin/cert-manager-$bin" \
        "-s -w -X $CERT_MANAGER_MODULE/pkg/util.AppVersion=v$CERT_MANAGER_VERSION" "build cert-manager $bin v$CERT_MANAGER_VERSION"
    done
    # The CRDs are helm templates only in their labels: rendered as the release's cert-manager.crds.yaml has them.
    mkdir -p "$dir.tmp/crds"
    for f in "$src"/deploy/crds/crd-*.yaml; do render_cert_manager_crd "$f" > "$dir.tmp/crds/$(basename "$f")"; done
    ! grep -l '{{' "$dir.tmp/crds"/*.yaml || die "cert-manager's CRDs have template text left after rendering (above)"
    rm -rf "$dir.tmp/src"
    finish_tmp_dir "$dir"
  fi
  for bin in controller cainjector; do require_binary "$dir/bin/cert-manager-$bin"; done
  emit CERT_MANAGER_CONTROLLER "$dir/bin/cert-manager-controller"
  emit CERT_MANAGER_CAINJECTOR "$dir/bin/cert-manager-cainjector"
  emit CRDS_CERT_MANAGER "$(require_crd_dir "$dir/crds")"
}

render_cert_manager_crd() {
  sed -e "s/'{{ template \"cert-manager.name\" . }}'/cert-manager/" -e "s/'{{ .Release.Name }}'/cert-manager/" \
    -e '/{{- include "labels"/d' "$1"
}
