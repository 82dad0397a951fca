# The providers' release components, the files cluster-api-operator installs a provider from, for the
# cozy-capi-providers-proxmox chart's fetchConfig ConfigMaps (so that it installs without internet access):
#   COMPONENTS_CAPI, COMPONENTS_CAPMOX, COMPONENTS_CAPI_IPAM   folders with the provider's components.yaml and metadata.yaml, built as
#                         the providers' releases build them (kustomize build of the module's config/default, the
#                         manager image tagged with the version; versions from capi.sh)
#   KUSTOMIZE             kustomize v5, which builds them
# `npm run tools` builds them with the Cluster API managers; the worker image with this file alone
# (scripts/tools.sh capi-components).
KUSTOMIZE_VERSION=5.7.1

install_capi_components() {
  install_kustomize
  # The core's, which CozyStack ships the same way for its own CoreProvider (the sandbox's seed stands for it).
  is_installed "$(tool_dir capi-components "$CAPI_MANAGER_VERSION")" \
    || provider_components capi "$CAPI_MANAGER_VERSION" "$(crd_module_dir sigs.k8s.io/cluster-api "v$CAPI_MANAGER_VERSION")"
  emit COMPONENTS_CAPI "$(tool_dir capi-components "$CAPI_MANAGER_VERSION")"
  is_installed "$(tool_dir capmox-components "$CAPMOX_VERSION")" \
    || provider_components capmox "$CAPMOX_VERSION" "$(GONOSUMDB="$CAPMOX_MODULE" pinned_module_dir "$CAPMOX_MODULE" "v$CAPMOX_VERSION" "$CAPMOX_MODULE_SUM")"
  emit COMPONENTS_CAPMOX "$(tool_dir capmox-components "$CAPMOX_VERSION")"
  is_installed "$(tool_dir capi-ipam-components "$CAPI_IPAM_VERSION")" \
    || provider_components capi-ipam "$CAPI_IPAM_VERSION" "$(crd_module_dir sigs.k8s.io/cluster-api-ipam-provider-in-cluster "v$CAPI_IPAM_VERSION")"
  emit COMPONENTS_CAPI_IPAM "$(tool_dir capi-ipam-components "$CAPI_IPAM_VERSION")"
}

install_kustomize() {
  go_install_tool kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5 KUSTOMIZE
}

# provider_components NAME VERSION MODULE_DIR: the provider's components.yaml (kustomize build of the module's
# config/default, every image the module tags :dev (the core: :main) tagged vVERSION, as its release does) and metadata.yaml.
provider_components() {
  local name=$1 version=$2 src=$3 dir
  dir=$(tool_dir "$name-components" "$version")
  reset_tmp_dir "$dir"
  progress "$name v$version: building its components.yaml (kustomize build config/default)"
  # Its warnings (deprecated kustomization fields in the modules) go to the log, not into the YAML.
  "$(tool_dir kustomize "$KUSTOMIZE_VERSION")/bin/kustomize" build "$src/config/default" > "$dir.tmp/built.yaml" 2> "$dir.tmp.log" \
    || die "kustomize build $src/config/default failed: $(tail -n 20 "$dir.tmp.log")"
  sed -E "s#^([[:space:]]*(- )?image: [^[:space:]]+):(dev|main)\$#\1:v$version#" "$dir.tmp/built.yaml" > "$dir.tmp/components.yaml"
  rm "$dir.tmp/built.yaml"
  grep -q ":v$version\$" "$dir.tmp/components.yaml" || die "$name components: no manager image tagged v$version in $dir.tmp/components.yaml"
  cp "$src/metadata.yaml" "$dir.tmp/metadata.yaml" || die "$name v$version has no metadata.yaml in $src"
  rmdir "$dir.tmp/bin"
  finish_tmp_dir "$dir"
}

