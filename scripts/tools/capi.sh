# The real Cluster API controllers the sandbox runs for step 3, built from their Go modules (each in a writable copy
# of the module, as their Makefiles build them), with their CRDs read from the same module folders:
#   CAPI_MANAGER          Cluster API core v1.10 (sigs.k8s.io/cluster-api, main package at the module root)
#   CAPMOX_MANAGER        Cluster API provider Proxmox v0.7 (./cmd), infrastructure.cluster.x-k8s.io/v1alpha1
#   CAPI_IPAM_MANAGER     the in-cluster IPAM provider (main package at the module root)
#   CRDS_CAPMOX, CRDS_CAPI_IPAM   their config/crd/bases folders
#   COMPONENTS_CAPMOX, COMPONENTS_CAPI_IPAM, KUSTOMIZE   (capi-components.sh, run with these)
# CozyStack pins Cluster API at the v1beta1 contract (v1.10), which CAPMOX v0.7 implements; v0.8 needs v1beta2.
CAPI_MANAGER_VERSION=1.10.4
CAPMOX_VERSION=0.7.2
CAPI_IPAM_VERSION=1.0.3
CAPMOX_MODULE=github.com/ionos-cloud/cluster-api-provider-proxmox
# The checksum database has no entry for CAPMOX, so its download is checked against this hash instead (the go.sum
# line of the module, recorded when the version was chosen). A different hash stops the build.
CAPMOX_MODULE_SUM="h1:6EN0gQQx3AS4GIy3kq02Akq/r5u3EiWIPytk2NxeaYQ="

install_capi() {
  # CAPMOX, the IPAM provider and kustomize build beside the core.
  build_beside install_capmox install_capi_ipam install_kustomize -- install_capi_core
  install_capi_components
}

install_capi_core() {
  local version_flags="-X sigs.k8s.io/cluster-api/version.gitVersion=v$CAPI_MANAGER_VERSION -X sigs.k8s.io/cluster-api/version.gitMajor=1 -X sigs.k8s.io/cluster-api/version.gitMinor=10"
  module_tool_build capi "$CAPI_MANAGER_VERSION" sigs.k8s.io/cluster-api . cluster-api-manager "-s -w $version_flags"
  emit CAPI_MANAGER "$(tool_dir capi "$CAPI_MANAGER_VERSION")/bin/cluster-api-manager"
}

install_capmox() {
  local dir
  dir=$(GONOSUMDB="$CAPMOX_MODULE" pinned_module_dir "$CAPMOX_MODULE" "v$CAPMOX_VERSION" "$CAPMOX_MODULE_SUM")
  GONOSUMDB="$CAPMOX_MODULE" module_tool_build capmox "$CAPMOX_VERSION" "$CAPMOX_MODULE" ./cmd capmox-manager "-s -w"
  emit CAPMOX_MANAGER "$(tool_dir capmox "$CAPMOX_VERSION")/bin/capmox-manager"
  emit CRDS_CAPMOX "$(require_crd_dir "$dir/config/crd/bases")"
}

install_capi_ipam() {
  module_tool_build capi-ipam "$CAPI_IPAM_VERSION" sigs.k8s.io/cluster-api-ipam-provider-in-cluster . capi-ipam-manager "-s -w"
  emit CAPI_IPAM_MANAGER "$(tool_dir capi-ipam "$CAPI_IPAM_VERSION")/bin/capi-ipam-manager"
  emit CRDS_CAPI_IPAM "$(require_crd_dir "$(crd_module_dir sigs.k8s.io/cluster-api-ipam-provider-in-cluster "v$CAPI_IPAM_VERSION")/config/crd/bases")"
}
