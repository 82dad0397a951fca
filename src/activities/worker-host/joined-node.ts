// The host's Node object, and the markers that tell a node this run joined from one that was a worker before. The
// kubelet registers the node with the label (kubeadm's node-labels), so even a join cut off before the step labelled
// the node through the API is recognised by the undo; the annotation carries the full workflow ID.
import { toLabelValue } from '../../helm/arguments';
import type { KubeObject } from '../../kubernetes/types';

export const JOINED_BY_ANNOTATION = 'cozy-proxmox.io/joined-by';
export const JOINED_BY_LABEL = 'cozy-proxmox.io/joined-by';

export const nodeRef = (name: string) => ({ apiVersion: 'v1', kind: 'Node', name });

/** The label the kubelet registers the node with, for this run. */
export function joinedByLabel(workflowId: string): Record<string, string> {
  return { [JOINED_BY_LABEL]: toLabelValue(workflowId) };
}

/** Whether this run joined the node: its annotation names the run, or the kubelet registered it with the run's label. */
export function joinedByRun(node: KubeObject | undefined, workflowId: string): boolean {
  return node?.metadata.annotations?.[JOINED_BY_ANNOTATION] === workflowId || node?.metadata.labels?.[JOINED_BY_LABEL] === toLabelValue(workflowId);
}
