// @kubernetes/client-node is ESM-only. Loaded through a dynamic import: compiled CommonJS on Node 20 turns it into a
// require of an ES module (supported there), and jest's transform handles it in the tests. Loaded once, on first use,
// so code paths that never talk to Kubernetes never pay for the large module.
export type KubernetesClientModule = typeof import('@kubernetes/client-node');

let loaded: Promise<KubernetesClientModule> | undefined;

export function kubernetesClientModule(): Promise<KubernetesClientModule> {
  loaded ??= import('@kubernetes/client-node');
  return loaded;
}
