// One running simulation: the state plus the machinery handlers use (tasks, config locks, authentication, faults)
// and the lookups every handler needs, failing with the real server's messages.
import { Authenticator } from './auth';
import { fail } from './errors';
import type { FaultSettings } from './faults';
import { ConfigLocks } from './locks';
import type { NodeState, SimulatorState, StorageState, VmState } from './state';
import { TaskManager } from './tasks';
import { UploadRegistry } from './upload-body';

export interface CertificateInfo {
  filename: string;
  pem: string;
  fingerprint: string;
  issuer: string;
  subject: string;
  notbefore: number;
  notafter: number;
  san: string[];
  'public-key-type': string;
  'public-key-bits': number;
}

export class Simulation {
  readonly tasks: TaskManager;
  readonly locks: ConfigLocks;
  readonly auth: Authenticator;
  faults: FaultSettings = {};
  /** Certificates per node: [pve-root-ca.pem, pve-ssl.pem]. */
  certificates = new Map<string, CertificateInfo[]>();
  /** Files received by upload requests still being answered (pveproxy's /var/tmp/pveupload-* files). */
  readonly uploads = new UploadRegistry();

  constructor(
    readonly state: SimulatorState,
    public taskSpeed: number,
  ) {
    this.auth = new Authenticator(state);
    this.locks = new ConfigLocks(() => this.taskSpeed);
    this.tasks = new TaskManager(
      () => this.taskSpeed,
      () => state.allocatePid(),
      (node) => {
        const n = state.nodes.get(node);
        const uptime = n ? Math.floor(Date.now() / 1000) - n.bootedAt : 0;
        return uptime * 100 + 4200;
      },
    );
  }

  setFaults(f: FaultSettings): void {
    this.faults = { ...this.faults, ...f };
    if (f.expireTickets) this.auth.expireAllTickets();
    if (f.failTasks) this.tasks.forcedFailure = { type: f.failTasks.type, count: f.failTasks.count ?? 1, message: f.failTasks.message ?? 'simulated failure' };
    if (f.warnTasks) this.tasks.forcedWarning = { type: f.warnTasks.type, count: f.warnTasks.count ?? 1, message: f.warnTasks.message ?? 'simulated warning' };
  }

  clearFaults(): void {
    this.faults = {};
    this.tasks.forcedFailure = null;
    this.tasks.forcedWarning = null;
  }

  currentFaults(): FaultSettings {
    const out: FaultSettings = { ...this.faults };
    const f = this.tasks.forcedFailure;
    if (f) out.failTasks = { type: f.type, count: f.count, message: f.message };
    else delete out.failTasks;
    const w = this.tasks.forcedWarning;
    if (w) out.warnTasks = { type: w.type, count: w.count, message: w.message };
    else delete out.warnTasks;
    return out;
  }

  node(name: string): NodeState {
    const node = this.state.nodes.get(name);
    if (!node) fail(`hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`);
    return node;
  }

  /** load_config(): the VM must exist on that node. */
  vm(node: string, vmid: number | string): VmState {
    const vm = this.state.vms.get(Number(vmid));
    if (!vm || vm.node !== node) fail(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    return vm;
  }

  storage(node: string, id: string): StorageState {
    const s = this.node(node).storages.get(id);
    if (!s) fail(`storage '${id}' does not exist`);
    return s;
  }

  /** check_lock(): a VM whose config carries a lock refuses most operations. */
  checkLock(vm: VmState): void {
    if (vm.config.lock !== undefined) fail(`VM is locked (${vm.config.lock})`);
  }

  /** The node whose API the clients talk to (it serves the TLS certificate; cluster/status marks it local). */
  localNode(): NodeState {
    return this.state.nodes.values().next().value as NodeState;
  }

  uptimeOf(node: NodeState): number {
    return Math.floor(Date.now() / 1000) - node.bootedAt;
  }
}
