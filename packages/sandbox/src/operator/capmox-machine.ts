// CAPMOX's ProxmoxMachine reconciler, through the Proxmox API with the cluster's credentials. Like CAPMOX it never
// blocks on a task: it starts one, records its UPID in status.taskRef and looks at it on the next pass, so progress
// shows in condition VMProvisioned (WaitingForClusterInfrastructure, WaitingForBootstrapData, Cloning,
// WaitingForStaticIPAllocation, PoweringOn, TaskFailure, CloningFailed) while it runs.
//
// Idempotence: the VMID is chosen and written to spec.virtualMachineID before the clone is requested, and the clone
// asks for exactly that VMID. A restarted operator finds the VMID and adopts the VM (or its running clone) instead of
// cloning again; Proxmox refuses a second VM with the same VMID, so no pass can ever make two.
import { ProxmoxNotFoundError } from '../../../../src/proxmox/errors';
import { parseUpid } from '../../../../src/proxmox/upid';
import { type ProxmoxClient } from '../../../../src/proxmox/client';
import { type QemuConfig } from '../../../../src/proxmox/types';
import { type TaskStatus } from '../../../../src/proxmox/tasks';
import { apiPath } from '../../../../src/proxmox/http';
import type { KubeObject } from '../../../../src/kubernetes/types';
import { CapmoxClients } from './capmox-client';
import { clusterNameOf } from './capmox-cluster';
import { allocateAddress, type Ipv4Config } from './capmox-ip';
import type { OperatorContext } from './context';
import {
  addFinalizer,
  CAPMOX_API,
  CLUSTER_API,
  CLUSTER_NAME_LABEL,
  differs,
  isDeleting,
  mergePatch,
  ownerOfKind,
  patchStatus,
  refOfObject,
  removeFinalizer,
  setCondition,
} from './kube-ops';

export const MACHINE_FINALIZER = 'proxmoxmachine.infrastructure.cluster.x-k8s.io';
const LOG = 'capmox';
/** After a failed clone or task, the next attempt waits this long (CAPMOX requeues failed operations too). */
const RETRY_AFTER_MS = 5_000;

export interface ProxmoxMachineSpec {
  sourceNode?: string;
  templateID?: number;
  full?: boolean;
  format?: string;
  storage?: string;
  pool?: string;
  description?: string;
  target?: string;
  virtualMachineID?: number;
  providerID?: string;
  numSockets?: number;
  numCores?: number;
  memoryMiB?: number;
  disks?: { bootVolume?: { disk: string; sizeGb: number } };
  network?: { default?: { bridge: string; model?: string } };
}

export interface ProxmoxMachineStatus {
  ready?: boolean;
  vmStatus?: string;
  taskRef?: string;
  retryAfter?: string;
  proxmoxNode?: string;
  bootstrapDataProvided?: boolean;
  ipAddresses?: Record<string, { ipv4?: string; ipv6?: string }>;
  addresses?: Array<{ type: string; address: string }>;
  failureReason?: string;
  failureMessage?: string;
  conditions?: unknown;
}

type StatusPatch = { [K in keyof ProxmoxMachineStatus]?: ProxmoxMachineStatus[K] | null };

const TASK_REASONS: Record<string, string> = { qmclone: 'Cloning', qmstart: 'PoweringOn', qmresize: 'Cloning', qmconfig: 'Cloning' };

class Pass {
  private patch: StatusPatch = {};
  private conditions: unknown;

  constructor(
    readonly ctx: OperatorContext,
    readonly pm: KubeObject,
  ) {
    this.conditions = this.status.conditions;
  }

  get spec(): ProxmoxMachineSpec {
    return (this.pm.spec ?? {}) as ProxmoxMachineSpec;
  }

  get status(): ProxmoxMachineStatus {
    return (this.pm.status ?? {}) as ProxmoxMachineStatus;
  }

  get name(): string {
    return `${this.pm.metadata.namespace}/${this.pm.metadata.name}`;
  }

  set(fields: StatusPatch): void {
    this.patch = { ...this.patch, ...fields };
  }

  /** VMProvisioned with the reason, and Ready summarising it (False with the same reason while not provisioned). */
  provisioning(status: 'True' | 'False', reason?: string, message?: string, severity: 'Info' | 'Warning' | 'Error' = 'Info'): void {
    this.conditions = setCondition(this.conditions, { type: 'VMProvisioned', status, reason, message, severity });
    this.conditions = setCondition(this.conditions, { type: 'Ready', status, reason, message, severity });
  }

  async flush(): Promise<void> {
    const next = { ...this.patch, conditions: this.conditions };
    const current = Object.fromEntries(Object.keys(next).map((k) => [k, (this.status as Record<string, unknown>)[k] ?? null]));
    if (!differs(current, Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v ?? null])))) return;
    await patchStatus(this.ctx.kube, this.pm, next);
  }
}

function diskSizeGiB(drive: unknown): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(String(drive ?? ''));
  if (!m) return 0;
  const factor: Record<string, number> = { '': 1 / 1024 ** 3, K: 1 / 1024 ** 2, M: 1 / 1024, G: 1, T: 1024 };
  return Number(m[1]) * factor[m[2]];
}

function netOf(value: unknown): { model?: string; bridge?: string } {
  const parts = String(value ?? '').split(',');
  return { model: /^([a-z0-9]+)/.exec(parts[0] ?? '')?.[1], bridge: parts.find((p) => p.startsWith('bridge='))?.slice(7) };
}

async function findVm(client: ProxmoxClient, node: string, vmid: number): Promise<QemuConfig | undefined> {
  try {
    return await client.qemuConfig(node, vmid);
  } catch (err) {
    if (err instanceof ProxmoxNotFoundError || /does not exist/.test((err as Error).message)) return undefined;
    throw err;
  }
}

export class ProxmoxMachineReconciler {
  private reservations: Promise<unknown> = Promise.resolve();
  /** VMIDs this operator gave out; Proxmox's nextid does not know them until their clones start. */
  private readonly reservedVmids = new Set<number>();

  constructor(
    private readonly ctx: OperatorContext,
    private readonly clients: CapmoxClients,
  ) {}

  async reconcile(pm: KubeObject, all: KubeObject[]): Promise<void> {
    const machineOwner = ownerOfKind(pm, 'Machine');
    if (isDeleting(pm)) return this.reconcileDelete(pm);
    // Like CAPMOX: nothing happens until Cluster API's Machine controller has claimed the ProxmoxMachine.
    if (!machineOwner) return;
    pm = await addFinalizer(this.ctx.kube, pm, MACHINE_FINALIZER);
    const pass = new Pass(this.ctx, pm);
    try {
      await this.reconcileNormal(pass, machineOwner.name, all);
    } finally {
      await pass.flush();
    }
  }

  private async infraCluster(pm: KubeObject): Promise<KubeObject | undefined> {
    const clusterName = pm.metadata.labels?.[CLUSTER_NAME_LABEL];
    if (!clusterName) return undefined;
    const cluster = await this.ctx.kube.find({ apiVersion: CLUSTER_API, kind: 'Cluster', name: clusterName, namespace: pm.metadata.namespace });
    const ref = (cluster?.spec as { infrastructureRef?: { name: string; namespace?: string } } | undefined)?.infrastructureRef;
    if (!ref) return undefined;
    return this.ctx.kube.find({ apiVersion: CAPMOX_API, kind: 'ProxmoxCluster', name: ref.name, namespace: ref.namespace ?? pm.metadata.namespace });
  }

  private async reconcileNormal(pass: Pass, machineName: string, all: KubeObject[]): Promise<void> {
    const { ctx, pm, spec, status } = pass;
    if (status.ready) return this.reconcileReady(pass);
    const pxc = await this.infraCluster(pm);
    if (!(pxc?.status as { ready?: boolean } | undefined)?.ready) {
      pass.provisioning('False', 'WaitingForClusterInfrastructure', '', 'Info');
      return;
    }
    const machine = await ctx.kube.find({ apiVersion: CLUSTER_API, kind: 'Machine', name: machineName, namespace: pm.metadata.namespace });
    const dataSecret = (machine?.spec as { bootstrap?: { dataSecretName?: string } } | undefined)?.bootstrap?.dataSecretName;
    const bootstrap = dataSecret ? await ctx.kube.find({ apiVersion: 'v1', kind: 'Secret', name: dataSecret, namespace: pm.metadata.namespace }) : undefined;
    if (!bootstrap) {
      pass.provisioning('False', 'WaitingForBootstrapData', dataSecret ? `bootstrap data secret ${dataSecret} not found` : '', 'Info');
      return;
    }
    const client = await this.clients.forCluster(pxc!);
    const node = status.proxmoxNode ?? spec.target ?? ((pxc!.spec as { allowedNodes?: string[] }).allowedNodes ?? [])[0] ?? spec.sourceNode ?? '';

    if (status.taskRef && !(await this.checkTask(pass, client, status.taskRef))) return;
    if (status.retryAfter && Date.parse(status.retryAfter) > Date.now()) return;

    let vmid = spec.virtualMachineID;
    if (vmid === undefined) {
      vmid = await this.reserveVmid(client, all);
      await mergePatch(ctx.kube, refOfObject(pm), { spec: { virtualMachineID: vmid } });
      ctx.log(LOG, `ProxmoxMachine ${pass.name}: VMID ${vmid} reserved`);
    }
    const config = await findVm(client, node, vmid);
    if (!config) return this.clone(pass, client, pxc!, node, vmid);
    if (config.lock === 'clone' || config.lock === 'create') {
      pass.provisioning('False', 'Cloning', `VM ${vmid} on ${node} is still being cloned`);
      return;
    }
    if (!spec.providerID) {
      const uuid = /(?:^|,)uuid=([0-9a-f-]+)/i.exec(String(config.smbios1 ?? ''))?.[1];
      if (uuid) await mergePatch(ctx.kube, refOfObject(pm), { spec: { providerID: `proxmox://${uuid}` } });
    }
    if (!(await this.ensureAddress(pass, pxc!, all))) return;
    if (await this.configure(pass, client, node, vmid, config)) return;
    pass.set({ bootstrapDataProvided: true });
    const current = await client.qemuStatus(node, vmid);
    if (current.status !== 'running') {
      const upid = await client.startVm(node, vmid);
      pass.set({ taskRef: upid });
      pass.provisioning('False', 'PoweringOn', `starting VM ${vmid} on ${node}`);
      return;
    }
    const ip = status.ipAddresses?.net0?.ipv4;
    pass.set({
      ready: true,
      vmStatus: 'ready',
      failureReason: null,
      failureMessage: null,
      addresses: [{ type: 'Hostname', address: pm.metadata.name }, ...(ip ? [{ type: 'InternalIP', address: ip }] : [])],
    });
    pass.provisioning('True');
    ctx.log(LOG, `ProxmoxMachine ${pass.name}: VM ${vmid} on ${node} running`);
  }

  /** A ready machine only follows its VM's power state (vmStatus), as CAPMOX does after provisioning. */
  private async reconcileReady(pass: Pass): Promise<void> {
    pass.provisioning('True');
  }

  /** True when the task ended well (the pass goes on); false while it runs or when it failed. */
  private async checkTask(pass: Pass, client: ProxmoxClient, upid: string): Promise<boolean> {
    const { node, type } = parseUpid(upid);
    let task: TaskStatus;
    try {
      task = await client.get<TaskStatus>(apiPath`/nodes/${node}/tasks/${upid}/status`);
    } catch (err) {
      if (!(err instanceof ProxmoxNotFoundError)) throw err;
      pass.set({ taskRef: null });
      return true;
    }
    if (task.status === 'running') {
      pass.provisioning('False', TASK_REASONS[type] ?? 'Cloning', `task ${type} running (${upid})`);
      return false;
    }
    pass.set({ taskRef: null });
    const exit = (task.exitstatus ?? '').trim();
    if (exit === 'OK' || exit.startsWith('WARNINGS')) return true;
    pass.set({ retryAfter: new Date(Date.now() + RETRY_AFTER_MS).toISOString() });
    pass.provisioning('False', 'TaskFailure', `task ${type} failed: ${exit || 'no exit status'}`, 'Warning');
    this.ctx.log(LOG, `ProxmoxMachine ${pass.name}: task ${type} failed: ${exit}`);
    return false;
  }

  /**
   * The next free VMID that no other ProxmoxMachine has reserved (their clones may not have started yet). Machines
   * are reconciled concurrently and `all` is the list one pass began with, so reservations are made one at a time
   * and remembered: two machines given the same VMID would both take the one VM cloned under it for their own.
   */
  private reserveVmid(client: ProxmoxClient, all: KubeObject[]): Promise<number> {
    const next = this.reservations.then(async () => {
      const reserved = new Set([...this.reservedVmids, ...all.map((m) => (m.spec as ProxmoxMachineSpec).virtualMachineID).filter((v): v is number => v !== undefined)]);
      let vmid = await client.nextId();
      while (reserved.has(vmid)) vmid++;
      this.reservedVmids.add(vmid);
      return vmid;
    });
    this.reservations = next.catch(() => undefined);
    return next;
  }

  private async clone(pass: Pass, client: ProxmoxClient, pxc: KubeObject, node: string, vmid: number): Promise<void> {
    const { spec, pm, ctx } = pass;
    const source = spec.sourceNode ?? node;
    try {
      const upid = await client.cloneVm(source, spec.templateID ?? 0, {
        newid: vmid,
        name: pm.metadata.name,
        full: spec.full ?? true,
        storage: spec.storage,
        target: node !== source ? node : undefined,
        pool: spec.pool,
        description: spec.description,
        ...(spec.format ? { format: spec.format } : {}),
      } as Parameters<ProxmoxClient['cloneVm']>[2]);
      pass.set({ taskRef: upid, proxmoxNode: node, vmStatus: 'pending', retryAfter: null });
      pass.provisioning('False', 'Cloning', `cloning template ${spec.templateID} on ${source} into VM ${vmid}`);
      await this.recordLocation(pxc, pm.metadata.name, node, true);
      ctx.log(LOG, `ProxmoxMachine ${pass.name}: cloning template ${spec.templateID} into VM ${vmid} (${upid})`);
    } catch (err) {
      const message = (err as Error).message;
      pass.set({ retryAfter: new Date(Date.now() + RETRY_AFTER_MS).toISOString() });
      pass.provisioning('False', 'CloningFailed', message, 'Warning');
      ctx.log(LOG, `ProxmoxMachine ${pass.name}: clone refused: ${message}`);
    }
  }

  private async ensureAddress(pass: Pass, pxc: KubeObject, all: KubeObject[]): Promise<boolean> {
    if (pass.status.ipAddresses?.net0?.ipv4) return true;
    const pxcSpec = pxc.spec as { ipv4Config?: Ipv4Config; controlPlaneEndpoint?: { host?: string } };
    if (!pxcSpec.ipv4Config) return true;
    const cluster = clusterNameOf(pxc);
    const taken = all
      .filter((m) => m.metadata.namespace === pass.pm.metadata.namespace && m.metadata.labels?.[CLUSTER_NAME_LABEL] === cluster && m.metadata.uid !== pass.pm.metadata.uid)
      .map((m) => (m.status as ProxmoxMachineStatus | undefined)?.ipAddresses?.net0?.ipv4 ?? '');
    const address = allocateAddress(pxcSpec.ipv4Config, [...taken, pxcSpec.controlPlaneEndpoint?.host ?? '']);
    if (!address) {
      pass.provisioning('False', 'WaitingForStaticIPAllocation', `no free address left in ipv4Config ${pxcSpec.ipv4Config.addresses.join(', ')}`, 'Warning');
      return false;
    }
    // One pass shows the allocation, as the IPAM round trip does in CAPMOX.
    pass.set({ ipAddresses: { net0: { ipv4: address } } });
    pass.provisioning('False', 'WaitingForStaticIPAllocation', `address ${address} allocated for net0`);
    return false;
  }

  /** Cores, sockets, memory, the bridge of net0 and the boot volume size; true when a change is under way. */
  private async configure(pass: Pass, client: ProxmoxClient, node: string, vmid: number, config: QemuConfig): Promise<boolean> {
    const { spec } = pass;
    const changes: Record<string, string | number> = {};
    if (spec.numSockets && Number(config.sockets ?? 1) !== spec.numSockets) changes.sockets = spec.numSockets;
    if (spec.numCores && Number(config.cores ?? 1) !== spec.numCores) changes.cores = spec.numCores;
    if (spec.memoryMiB && Number(config.memory ?? 0) !== spec.memoryMiB) changes.memory = spec.memoryMiB;
    const net = spec.network?.default;
    if (net) {
      const current = netOf(config.net0);
      const model = net.model ?? 'virtio';
      if (current.bridge !== net.bridge || current.model !== model) changes.net0 = `${model},bridge=${net.bridge}`;
    }
    if (Object.keys(changes).length > 0) {
      await client.setQemuConfig(node, vmid, changes);
      pass.provisioning('False', 'Cloning', `configured VM ${vmid}: ${Object.keys(changes).join(', ')}`);
      return true;
    }
    const boot = spec.disks?.bootVolume;
    if (boot && diskSizeGiB((config as Record<string, unknown>)[boot.disk]) < boot.sizeGb) {
      const upid = await client.resizeDisk(node, vmid, boot.disk, `${boot.sizeGb}G`);
      if (upid) pass.set({ taskRef: upid });
      pass.provisioning('False', 'Cloning', `resizing ${boot.disk} of VM ${vmid} to ${boot.sizeGb}G`);
      return true;
    }
    return false;
  }

  private async recordLocation(pxc: KubeObject, machine: string, node: string, add: boolean): Promise<void> {
    const fresh = await this.ctx.kube.find(refOfObject(pxc));
    if (!fresh) return;
    const locations = ((fresh.status as { nodeLocations?: { workers?: Array<{ machine: { name: string }; node: string }> } } | undefined)?.nodeLocations?.workers ?? []).filter((l) => l.machine.name !== machine);
    if (add) locations.push({ machine: { name: machine }, node });
    await patchStatus(this.ctx.kube, fresh, { nodeLocations: { workers: locations } });
  }

  /** Stops and destroys the VM, then lets the ProxmoxMachine go. */
  private async reconcileDelete(pm: KubeObject): Promise<void> {
    const spec = (pm.spec ?? {}) as ProxmoxMachineSpec;
    const status = (pm.status ?? {}) as ProxmoxMachineStatus;
    const pxc = await this.infraCluster(pm);
    if (spec.virtualMachineID !== undefined) {
      if (!pxc) throw new Error(`ProxmoxMachine ${pm.metadata.namespace}/${pm.metadata.name}: its ProxmoxCluster is gone, VM ${spec.virtualMachineID} cannot be deleted`);
      const client = await this.clients.forCluster(pxc);
      const node = status.proxmoxNode ?? spec.sourceNode ?? '';
      const config = await findVm(client, node, spec.virtualMachineID);
      // A clone still copying cannot be destroyed yet: the next pass tries again.
      if (config?.lock === 'clone' || config?.lock === 'create') return;
      if (config) {
        const result = await client.deleteIfPresent(node, spec.virtualMachineID, { timeoutMs: 60_000 });
        if (result.deleted) this.ctx.log(LOG, `ProxmoxMachine ${pm.metadata.namespace}/${pm.metadata.name}: VM ${spec.virtualMachineID} on ${node} ${result.stopped ? 'stopped and ' : ''}destroyed`);
      }
    }
    if (pxc) await this.recordLocation(pxc, pm.metadata.name, '', false);
    await removeFinalizer(this.ctx.kube, pm, MACHINE_FINALIZER);
  }
}
