/** The Kubernetes release the tools script builds; fake nodes and the stand-in kubelet report it as their version. */
export const KUBERNETES_VERSION = 'v1.34.4';
