// The node-health controller of the sandbox operator: plays what the kubelet and the node lifecycle controller do
// when the VM behind a node stops, and again when it runs. For every kwok node whose providerID names a Proxmox VM
// (proxmox://<region>/<vmid> or CAPMOX's proxmox://<uuid>), read through the Proxmox API with the credentials a
// real controller reads (the cloud config Secret of the CSI driver, else CAPMOX's credentials Secrets):
// - VM not running: the kubelet in it is gone. kwok plays the kubelet, and its built-in node-initialize stage resets
//   any Ready that is not True within milliseconds, so writing Ready=Unknown alone would be a fight lost at once.
//   kwok only manages nodes that match its annotation selector (kwok.x-k8s.io/node=fake): the controller moves that
//   annotation aside (keeping its value in cozy-proxmox.io/kwok-node-stopped), which is exactly "the kubelet
//   stopped", and then writes what the node lifecycle controller writes for a silent kubelet: Ready=Unknown with
//   reason NodeStatusUnknown ("Kubelet stopped posting node status."), the pressure conditions Unknown too, and the
//   pods on the node Ready=False. kube-controller-manager then taints the node unreachable as it would for real.
// - VM running again: the annotation goes back, kwok picks the node up and its node-initialize stage reports Ready;
//   once the node is Ready the pods this controller marked are reported ready again (their containers restarted,
//   as a rebooted kubelet would report them).
// Nodes without the kwok annotation (a real kubelet, e.g. a joined host) and nodes whose VM is unknown are left
// alone.
import type { KubeObject } from '../../../../src/kubernetes/types';
import type { ProxmoxClient } from '../../../../src/proxmox/client';
import type { ClusterResource } from '../../../../src/proxmox/types';
import { KWOK_NODE_ANNOTATION } from '../kubernetes/fake-node';
import { CapmoxClients } from './capmox-client';
import type { OperatorContext, RunningController, StartController } from './context';
import { loadCloud } from './csi-cloud';
import { CAPMOX_API, mergePatch } from './kube-ops';
import { readProviderId } from './provider-id';
import { reconcileLoop } from './reconcile-loop';
import { findVmByProviderRef, type BackingVm } from './vm-by-provider-id';

export const NODE_HEALTH_CONTROLLER = 'node-health';
/** Where the kwok annotation's value waits while the VM is stopped. */
export const STOPPED_ANNOTATION = 'cozy-proxmox.io/kwok-node-stopped';
export const NOT_READY_REASON = 'NodeStatusUnknown';
export const NOT_READY_MESSAGE = 'Kubelet stopped posting node status.';
/** The reason the node lifecycle controller's MarkPodsNotReady leaves on pods of a node that went silent. */
export const POD_NOT_READY_REASON = 'NodeNotReady';

type NodeObject = KubeObject & { spec?: { providerID?: string }; status?: { conditions?: NodeCondition[] } };
interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}
type PodObject = KubeObject & { spec: { nodeName?: string }; status?: { phase?: string; conditions?: NodeCondition[] } };

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const NODE_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

interface ProxmoxSource {
  region?: string;
  client: ProxmoxClient;
  resources?: ClusterResource[];
}

class NodeHealth {
  private readonly capmox: CapmoxClients;
  private readonly uuids = new Map<string, number>();
  private readonly unknown = new Set<string>();

  constructor(private readonly ctx: OperatorContext) {
    this.capmox = new CapmoxClients(ctx.kube, ctx.proxmox);
  }

  /** Every Proxmox API this sandbox's controllers hold credentials for: the CSI cloud config, then CAPMOX's. */
  private async sources(): Promise<{ list: ProxmoxSource[]; close: () => void }> {
    const list: ProxmoxSource[] = [];
    const cloud = await loadCloud(this.ctx);
    for (const region of cloud?.regions ?? []) list.push({ region, client: cloud!.client(region) });
    if (list.length === 0) {
      const clusters = await this.ctx.kube.list(CAPMOX_API, 'ProxmoxCluster').catch(() => [] as KubeObject[]);
      for (const pc of clusters) {
        const client = await this.capmox.forCluster(pc).catch(() => undefined);
        if (client && !list.some((s) => s.client === client)) list.push({ client });
      }
    }
    return { list, close: () => cloud?.close() };
  }

  private async vmOf(sources: ProxmoxSource[], providerID: string, nodeName: string): Promise<BackingVm | undefined> {
    const ref = readProviderId(providerID)!;
    // proxmox://<region>/<vmid> names the cluster: VMIDs are only unique within one, so a VM of the same number in
    // another cluster is not this node's. CAPMOX's proxmox://<uuid> is unique everywhere. Credentials read from
    // CAPMOX's Secrets carry no region: they serve either form.
    const candidates = ref.kind === 'vmid' ? sources.filter((s) => s.region === undefined || s.region === ref.region) : sources;
    for (const s of candidates) {
      s.resources ??= await s.client.clusterResources('vm');
      const vm = await findVmByProviderRef(s.client, ref, { resources: s.resources, knownUuids: this.uuids, nodeName });
      if (vm) return vm;
    }
    return undefined;
  }

  async pass(): Promise<void> {
    const all = await this.ctx.kube.list<NodeObject>('v1', 'Node');
    await this.kubeletStatusSync(all);
    const nodes = all.filter((n) => readProviderId(n.spec?.providerID) !== undefined);
    const played = nodes.filter((n) => n.metadata.annotations?.[KWOK_NODE_ANNOTATION] !== undefined || n.metadata.annotations?.[STOPPED_ANNOTATION] !== undefined);
    if (played.length === 0) return;
    const { list, close } = await this.sources();
    try {
      if (list.length === 0) return;
      for (const node of played) {
        const vm = await this.vmOf(list, node.spec!.providerID!, node.metadata.name);
        const name = node.metadata.name;
        if (!vm) {
          if (!this.unknown.has(name)) this.ctx.log(NODE_HEALTH_CONTROLLER, `node ${name}: no VM for providerID ${node.spec!.providerID} in Proxmox; left alone`);
          this.unknown.add(name);
          continue;
        }
        this.unknown.delete(name);
        await this.reconcile(node, vm);
      }
    } finally {
      close();
    }
  }

  private async reconcile(node: NodeObject, vm: BackingVm): Promise<void> {
    const name = node.metadata.name;
    const annotations = node.metadata.annotations ?? {};
    const stoppedMark = annotations[STOPPED_ANNOTATION];
    if (vm.status !== 'running') {
      if (stoppedMark === undefined) {
        await mergePatch(this.ctx.kube, nodeRef(name), {
          metadata: { annotations: { [KWOK_NODE_ANNOTATION]: null, [STOPPED_ANNOTATION]: annotations[KWOK_NODE_ANNOTATION] ?? '' } },
        });
        this.ctx.log(NODE_HEALTH_CONTROLLER, `node ${name}: VM ${vm.vmid} on ${vm.node} is ${vm.status ?? 'not running'}: kubelet stopped`);
      }
      if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'Unknown') {
        await mergePatch(this.ctx.kube, nodeRef(name), { status: { conditions: silentConditions(node.status?.conditions ?? []) } }, 'status');
        this.ctx.log(NODE_HEALTH_CONTROLLER, `node ${name}: Ready=Unknown (${NOT_READY_REASON})`);
      }
      await this.markPods(name, 'False');
      return;
    }
    if (stoppedMark !== undefined) {
      await mergePatch(this.ctx.kube, nodeRef(name), { metadata: { annotations: { [KWOK_NODE_ANNOTATION]: stoppedMark || 'fake', [STOPPED_ANNOTATION]: null } } });
      this.ctx.log(NODE_HEALTH_CONTROLLER, `node ${name}: VM ${vm.vmid} on ${vm.node} runs again: kubelet back`);
      return;
    }
    if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') await this.markPods(name, 'True');
  }

  /**
   * kube-controller-manager marks the pods of a node Ready=False whenever the node's heartbeat lags (kwok can lag on
   * a loaded machine); a kubelet reports them ready again at its next status sync, kwok does not. This plays that
   * sync for kwok nodes that are Ready: a running pod whose containers are ready is ready.
   */
  private async kubeletStatusSync(nodes: NodeObject[]): Promise<void> {
    const ready = new Set(
      nodes
        .filter((n) => n.metadata.annotations?.[KWOK_NODE_ANNOTATION] !== undefined && n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True')
        .map((n) => n.metadata.name),
    );
    if (ready.size === 0) return;
    const pods = (await this.ctx.kube.list<PodObject>('v1', 'Pod')).filter((p) => p.spec.nodeName && ready.has(p.spec.nodeName) && p.status?.phase === 'Running');
    for (const pod of pods) {
      const conditions = pod.status?.conditions ?? [];
      const podReady = conditions.find((c) => c.type === 'Ready');
      const containersReady = conditions.find((c) => c.type === 'ContainersReady');
      if (podReady?.status !== 'False' || containersReady?.status !== 'True' || podReady.reason === POD_NOT_READY_REASON) continue;
      const next = conditions.map((c) => (c.type === 'Ready' ? { type: c.type, status: 'True', lastTransitionTime: now() } : c));
      const ref = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace };
      await mergePatch(this.ctx.kube, ref, { status: { conditions: next } }, 'status').catch((err: Error) => {
        if (!/HTTP 404/.test(err.message)) throw err;
      });
      this.ctx.log(NODE_HEALTH_CONTROLLER, `pod ${pod.metadata.namespace}/${pod.metadata.name} on Ready node ${pod.spec.nodeName}: Ready again (kubelet status sync)`);
    }
  }

  /** Pods on the node: Ready=False while it is silent; the ones marked so, Ready again once the node is back. */
  private async markPods(nodeName: string, ready: 'True' | 'False'): Promise<void> {
    const pods = (await this.ctx.kube.list<PodObject>('v1', 'Pod')).filter((p) => p.spec.nodeName === nodeName && p.status?.phase === 'Running');
    for (const pod of pods) {
      const conditions = pod.status?.conditions ?? [];
      const readyNow = conditions.find((c) => c.type === 'Ready');
      const ours = readyNow?.status === 'False' && readyNow.reason === POD_NOT_READY_REASON;
      if (ready === 'False' ? readyNow?.status === 'False' : !ours) continue;
      const next = conditions.map((c) =>
        c.type === 'Ready' || c.type === 'ContainersReady'
          ? { type: c.type, status: ready, lastTransitionTime: now(), ...(ready === 'False' ? { reason: POD_NOT_READY_REASON } : {}) }
          : c,
      );
      const ref = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace };
      await mergePatch(this.ctx.kube, ref, { status: { conditions: next } }, 'status').catch((err: Error) => {
        // A pod deleted meanwhile is nothing to mark.
        if (!/HTTP 404/.test(err.message)) throw err;
      });
    }
  }

  close(): void {
    this.capmox.closeAll();
  }
}

function nodeRef(name: string) {
  return { apiVersion: 'v1', kind: 'Node', name };
}

/** What the node lifecycle controller writes when the kubelet has gone silent: Ready and the pressures Unknown. */
export function silentConditions(current: NodeCondition[]): NodeCondition[] {
  const at = now();
  const seen = new Set(current.map((c) => c.type));
  const silent = (type: string, previous?: NodeCondition): NodeCondition => ({
    type,
    status: 'Unknown',
    reason: NOT_READY_REASON,
    message: NOT_READY_MESSAGE,
    lastHeartbeatTime: previous?.lastHeartbeatTime ?? at,
    lastTransitionTime: at,
  });
  return [
    ...current.map((c) => (NODE_CONDITIONS.includes(c.type) ? silent(c.type, c) : c)),
    ...NODE_CONDITIONS.filter((t) => !seen.has(t)).map((t) => silent(t)),
  ];
}

export const startNodeHealth: StartController = async (ctx): Promise<RunningController> => {
  const health = new NodeHealth(ctx);
  const loop = reconcileLoop(ctx, NODE_HEALTH_CONTROLLER, () => health.pass());
  return {
    name: loop.name,
    stop: async () => {
      await loop.stop();
      health.close();
    },
  };
};
