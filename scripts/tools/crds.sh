# Upstream CustomResourceDefinitions for the sandbox cluster and the tests, taken from the Go modules that publish
# them (the way Cluster API providers' envtest suites load CRDs), so the sandbox serves the real schemas:
#   CRDS_CAPI             Cluster API core v1.10 (cluster.x-k8s.io/v1beta1, ipam.cluster.x-k8s.io): CozyStack pins it
#   CRDS_CAPI_OPERATOR    cluster-api-operator (operator.cluster.x-k8s.io/v1alpha2: CoreProvider, IPAMProvider, ...)
#   CRDS_VOLUME_SNAPSHOT  external-snapshotter client (snapshot.storage.k8s.io/v1: VolumeSnapshot and classes)
#   CRDS_CILIUM           Cilium's cilium.io/v2 CRDs (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, ...): the
#                         version CozyStack v0.41 ships; its tenants are isolated with these two kinds
#   CRDS_PROMETHEUS_OPERATOR  the Prometheus operator's monitoring.coreos.com/v1 CRDs (ServiceMonitor, PodMonitor, ...):
#                         the monitoring chart's scrape object on a cluster that runs that operator
# Modules are only downloaded (`go mod download`), never built. Flux's HelmRelease CRD and the in-cluster IPAM
# provider's pool CRDs are not published in a downloadable module; packages/sandbox/src/kubernetes/crds-local.ts holds them.
CAPI_VERSION=1.10.4
CAPI_OPERATOR_VERSION=0.28.0
EXTERNAL_SNAPSHOTTER_VERSION=8.2.0
CILIUM_VERSION=1.18.6
PROMETHEUS_OPERATOR_VERSION=0.85.0

install_crds() {
  local dir
  dir=$(crd_module_dir sigs.k8s.io/cluster-api "v$CAPI_VERSION")
  emit CRDS_CAPI "$(require_crd_dir "$dir/config/crd/bases")"
  dir=$(crd_module_dir sigs.k8s.io/cluster-api-operator "v$CAPI_OPERATOR_VERSION")
  emit CRDS_CAPI_OPERATOR "$(require_crd_dir "$dir/config/crd/bases")"
  dir=$(crd_module_dir github.com/kubernetes-csi/external-snapshotter/client/v8 "v$EXTERNAL_SNAPSHOTTER_VERSION")
  emit CRDS_VOLUME_SNAPSHOT "$(require_crd_dir "$dir/config/crd")"
  dir=$(crd_module_dir github.com/cilium/cilium "v$CILIUM_VERSION")
  emit CRDS_CILIUM "$(require_crd_dir "$dir/pkg/k8s/apis/cilium.io/client/crds/v2")"
  dir=$(crd_module_dir github.com/prometheus-operator/prometheus-operator "v$PROMETHEUS_OPERATOR_VERSION")
  emit CRDS_PROMETHEUS_OPERATOR "$(require_crd_dir "$dir/example/prometheus-operator-crd")"
}

# crd_module_dir MODULE VERSION -> prints the module's folder in the module cache, downloading it when absent.
crd_module_dir() {
  local spec="$1@$2" out dir
  out=$( (crd_go_env && cd "$COZY_CACHE" && go mod download -json "$spec") 2>&1) \
    || die "go mod download $spec failed: $out"
  dir=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $spec printed no module folder: $out"
  progress "CRDs of $spec in $dir"
  printf '%s' "$dir"
}

crd_go_env() {
  command -v go >/dev/null || die "the Go toolchain is needed to download CRD modules (install Debian's golang-go or a Go >= 1.24)"
  export GOMODCACHE="$COZY_CACHE/go/mod" GOCACHE="$COZY_CACHE/go/build" GOPATH="$COZY_CACHE/go/path" GOFLAGS=-mod=mod
}

require_crd_dir() {
  ls "$1"/*.yaml >/dev/null 2>&1 || die "expected CRD YAML files in $1"
  printf '%s' "$1"
}
