# The real Proxmox CSI controller and the Kubernetes CSI sidecars that drive it over its socket, built from their Go
# modules. Each module pins its own k8s.io versions with `replace` directives, which `go install pkg@version` refuses,
# so each is built with `go build` in a writable copy of the module, as its own Makefile does.
#   PROXMOX_CSI_CONTROLLER  proxmox-csi-plugin ./cmd/controller
#   CSI_PROVISIONER         external-provisioner ./cmd/csi-provisioner
#   CSI_ATTACHER            external-attacher ./cmd/csi-attacher
#   CSI_RESIZER             external-resizer ./cmd/csi-resizer
# The node side (NodeStage/NodePublish, the CSINode registration) needs a kubelet and stays simulated on kwok nodes.
PROXMOX_CSI_VERSION=0.16.0
CSI_PROVISIONER_VERSION=5.3.0
CSI_ATTACHER_VERSION=4.12.0
CSI_RESIZER_VERSION=1.14.0

install_csi() {
  # The attacher and the resizer build beside the controller and the provisioner.
  build_beside install_csi_attacher install_csi_resizer -- install_proxmox_csi_controller install_csi_provisioner
}

install_proxmox_csi_controller() {
  module_tool_build proxmox-csi-controller "$PROXMOX_CSI_VERSION" github.com/sergelogvinov/proxmox-csi-plugin \
    ./cmd/controller proxmox-csi-controller "-s -w -X main.version=v$PROXMOX_CSI_VERSION"
  emit PROXMOX_CSI_CONTROLLER "$(tool_dir proxmox-csi-controller "$PROXMOX_CSI_VERSION")/bin/proxmox-csi-controller"
}

install_csi_provisioner() {
  module_tool_build csi-provisioner "$CSI_PROVISIONER_VERSION" github.com/kubernetes-csi/external-provisioner/v5 \
    ./cmd/csi-provisioner csi-provisioner "-s -w -X main.version=v$CSI_PROVISIONER_VERSION"
  emit CSI_PROVISIONER "$(tool_dir csi-provisioner "$CSI_PROVISIONER_VERSION")/bin/csi-provisioner"
}

install_csi_attacher() {
  module_tool_build csi-attacher "$CSI_ATTACHER_VERSION" github.com/kubernetes-csi/external-attacher/v4 \
    ./cmd/csi-attacher csi-attacher "-s -w -X main.version=v$CSI_ATTACHER_VERSION"
  emit CSI_ATTACHER "$(tool_dir csi-attacher "$CSI_ATTACHER_VERSION")/bin/csi-attacher"
}

install_csi_resizer() {
  module_tool_build csi-resizer "$CSI_RESIZER_VERSION" github.com/kubernetes-csi/external-resizer \
    ./cmd/csi-resizer csi-resizer "-s -w -X main.version=v$CSI_RESIZER_VERSION"
  emit CSI_RESIZER "$(tool_dir csi-resizer "$CSI_RESIZER_VERSION")/bin/csi-resizer"
}
