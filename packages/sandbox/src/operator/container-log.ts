// A container's log as a kubelet keeps it, for the pods whose containers the sandbox runs as processes: one file per
// container start in the node's container log folder (/var/log/containers on a node), named
// <pod>_<namespace>_<container>-<container ID>.log, each line in the CRI format "<RFC 3339 time> <stream> F <line>";
// and the container ID in the pod's status.containerStatuses, which is how a log collector (vlagent, fluent-bit's
// kubernetes filter) ties a file to its pod.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { KubeClient } from '../../../../src/kubernetes/client';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { mergePatch } from './kube-ops';

/** The container logs of the pods run as processes, as a node keeps them in /var/log/containers. */
export const containerLogsDir = (podsDir: string): string => join(podsDir, 'containers');

/** The runtime part of the ID: these containers are processes the sandbox started, not a container runtime's. */
const RUNTIME = 'sandbox';

/** A new ID per start of the container (a restarted container is a new container), stable for a given start. */
export function containerId(pod: KubeObject, container: string, start: number): string {
  const hash = createHash('sha256').update(`${pod.metadata.uid ?? pod.metadata.name}/${container}/${start}`).digest('hex');
  return `${RUNTIME}://${hash}`;
}

export function containerLogFile(dir: string, pod: KubeObject, container: string, id: string): string {
  const bare = id.slice(id.indexOf('://') + 3);
  return join(dir, `${pod.metadata.name}_${pod.metadata.namespace}_${container}-${bare}.log`);
}

/** One line of output in the CRI log format (a full line: tag F). */
export function criLine(stream: 'stdout' | 'stderr', line: string, at = new Date()): string {
  return `${at.toISOString()} ${stream} F ${line}\n`;
}

interface ContainerStatus {
  name: string;
  containerID?: string;
}

/** Sets the container's ID in the pod's status, keeping the other containers' statuses as they are. */
export async function recordContainerId(kube: KubeClient, pod: KubeObject, container: string, id: string): Promise<void> {
  const ref = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace };
  const current = await kube.find<KubeObject & { status?: { containerStatuses?: ContainerStatus[] } }>(ref);
  const statuses = current?.status?.containerStatuses;
  if (!statuses?.some((s) => s.name === container)) throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no status for container ${container}`);
  // A merge patch replaces a list whole: the list as read, with this container's ID.
  const containerStatuses = statuses.map((s) => (s.name === container ? { ...s, containerID: id } : s));
  await mergePatch(kube, ref, { status: { containerStatuses } }, 'status');
}
