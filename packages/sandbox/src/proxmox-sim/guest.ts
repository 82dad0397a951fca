// The guest OS of a simulated VM. What cannot run here is the guest OS, so the simulator plays it as the image would:
// an Ubuntu 24.04 cloud image with cloud-init and the QEMU guest agent. When the VM starts, cloud-init reads its
// NoCloud seed from the attached CD-ROMs (guest-seed.ts), the agent answers some seconds later (get-osinfo,
// network-get-interfaces with the addresses the seed's network-config gives, exec of the few programs in
// guest-commands.ts), and cloud-init reports "running" for a while and then "done" ("degraded done" when the seed
// had problems). Every time is realistic seconds multiplied by the task speed, so a boot is deterministic and, in
// tests, fast. Nothing is executed for real: user-data is checked for its format, never run.
import type { Simulation } from './core';
import { fail } from './errors';
import { runProgram, type CloudInitView, type GuestView, type ProgramResult } from './guest-commands';
import { discoverSeed, type InterfaceConfig, type IpAddress, type NocloudSeed } from './guest-seed';
import type { VmConfig, VmState } from './state';

/** Realistic seconds from power-on until the guest agent answers. */
export const AGENT_START_SECONDS = 8;
/** Realistic seconds cloud-init keeps running after the agent answers. */
export const CLOUD_INIT_SECONDS = 12;
const MAX_PROCESSES = 256;

export interface GuestState {
  /** Epoch milliseconds. */
  bootedAt: number;
  cloudInitDoneAt: number;
  speed: number;
  seed?: NocloudSeed;
  /** A CD-ROM carried the cidata label, so cloud-init was enabled (without one it stays disabled). */
  labelled: boolean;
  warnings: string[];
  nextPid: number;
  processes: Map<number, ProgramResult>;
}

/** The agent option: "[enabled=]1,..." (qemu-server's get_qga_key). */
export function agentEnabled(config: VmConfig): boolean {
  const first = String(config.agent ?? '0').split(',')[0].replace(/^enabled=/, '');
  return first === '1' || first === 'on' || first === 'yes' || first === 'true';
}

function makeGuest(sim: Simulation, vm: VmState, bootedAt: number): GuestState {
  const discovery = discoverSeed(sim.node(vm.node), vm);
  const speed = sim.taskSpeed;
  const guest: GuestState = {
    bootedAt,
    cloudInitDoneAt: bootedAt + (AGENT_START_SECONDS + CLOUD_INIT_SECONDS) * 1000 * speed,
    speed,
    labelled: discovery.labelled,
    warnings: discovery.warnings,
    nextPid: 1000 + (vm.vmid % 97) * 7,
    processes: new Map(),
  };
  if (discovery.seed) guest.seed = discovery.seed;
  else if (discovery.labelled) guest.warnings.push('Used fallback datasource');
  return guest;
}

/** Power-on: the guest boots from now; the agent answers after AGENT_START_SECONDS if the VM has one. */
export function bootGuest(sim: Simulation, vm: VmState): void {
  const now = Date.now();
  vm.agentReadyAt = agentEnabled(vm.config) ? now + AGENT_START_SECONDS * 1000 * sim.taskSpeed : undefined;
  vm.guest = makeGuest(sim, vm, now);
}

export function stopGuest(vm: VmState): void {
  vm.agentReadyAt = undefined;
  vm.guest = undefined;
}

/** The running guest; a VM seeded as running booted before the simulator started, its cloud-init long done. */
function guestOf(sim: Simulation, vm: VmState): GuestState {
  vm.guest ??= makeGuest(sim, vm, (vm.startedAt ?? Math.floor(Date.now() / 1000) - 3600) * 1000);
  return vm.guest;
}

/** qemu-server's agent checks, in its order and with its messages, before any agent command. */
export function requireAgent(sim: Simulation, vm: VmState): GuestState {
  if (!agentEnabled(vm.config)) fail('No QEMU guest agent configured');
  if (vm.status !== 'running') fail(`VM ${vm.vmid} is not running`);
  if (vm.agentReadyAt === undefined || Date.now() < vm.agentReadyAt) fail('QEMU guest agent is not running');
  return guestOf(sim, vm);
}

function cloudInitView(guest: GuestState, at: number): CloudInitView {
  const base = { bootedAt: guest.bootedAt, doneAt: guest.cloudInitDoneAt };
  if (!guest.labelled) return { ...base, status: 'disabled', degraded: false, datasource: null, detail: 'Cloud-init disabled by cloud-init-generator', warnings: [] };
  return {
    ...base,
    status: at < guest.cloudInitDoneAt ? 'running' : 'done',
    degraded: guest.warnings.length > 0,
    datasource: guest.seed ? 'nocloud' : 'none',
    detail: guest.seed ? `DataSourceNoCloud [seed=${guest.seed.device}]` : 'DataSourceNone',
    warnings: guest.warnings,
  };
}

function view(guest: GuestState): GuestView {
  return { hostname: guest.seed?.hostname ?? 'ubuntu', speed: guest.speed, cloudInit: (at) => cloudInitView(guest, at) };
}

export function osInfo(): Record<string, string> {
  return {
    id: 'ubuntu', 'kernel-release': '6.8.0-51-generic', 'kernel-version': '#52-Ubuntu SMP PREEMPT_DYNAMIC Thu Dec  5 13:09:44 UTC 2024',
    machine: 'x86_64', name: 'Ubuntu', 'pretty-name': 'Ubuntu 24.04.1 LTS', version: '24.04.1 LTS (Noble Numbat)', 'version-id': '24.04',
  };
}

/** guest-exec: starts a program and returns its PID, or fails as qemu-ga does when it cannot spawn it. */
export function execInGuest(guest: GuestState, command: string[], input: string | undefined): { pid: number } {
  const result = runProgram(view(guest), command, input, Date.now());
  if (!result) {
    const path = (command[0] ?? '').split('\0')[0];
    fail(`Agent error: Guest agent command failed, error was 'Failed to execute child process \u201c${path}\u201d (No such file or directory)'`);
  }
  const pid = guest.nextPid++;
  guest.processes.set(pid, result);
  if (guest.processes.size > MAX_PROCESSES) guest.processes.delete(guest.processes.keys().next().value as number);
  return { pid };
}

/** guest-exec-status: running, or the exit code and output once; qemu-ga forgets a process it reported as exited. */
export function execStatus(guest: GuestState, pid: number): Record<string, unknown> {
  const p = guest.processes.get(pid);
  if (!p) fail("Agent error: Invalid parameter 'pid'");
  if (Date.now() < p.endsAt) return { exited: 0 };
  guest.processes.delete(pid);
  const out: Record<string, unknown> = { exited: 1, exitcode: p.exitcode };
  if (p.out) out['out-data'] = p.out;
  if (p.err) out['err-data'] = p.err;
  return out;
}

function glob(pattern: string, name: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name);
}

function configFor(guest: GuestState, mac: string | undefined, kernelName: string): InterfaceConfig | undefined {
  return guest.seed?.interfaces?.find((c) => (c.mac || c.match) && (!c.mac || c.mac === mac) && (!c.match || glob(c.match, kernelName)));
}

/** A DHCP lease the simulated network hands out: stable per VM and NIC. */
function lease(vm: VmState, index: number): IpAddress {
  return { address: `192.168.${100 + index}.${20 + (vm.vmid % 200)}`, prefix: 24, family: 'ipv4' };
}

/** The address of ipconfig0 if it has one, else a lease. */
function fallbackAddress(vm: VmState): IpAddress {
  const m = /(?:^|,)ip=(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(String(vm.config.ipconfig0 ?? ''));
  return m ? { address: m[1], prefix: Number(m[2] ?? 24), family: 'ipv4' } : lease(vm, 0);
}

function fromText(a: string): IpAddress {
  const [address, prefix] = a.split('/');
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  return { address, prefix: Number(prefix ?? (family === 'ipv4' ? 24 : 64)), family };
}

/** The IPv6 link-local address the kernel derives from the MAC (EUI-64). */
function linkLocal(mac: string): IpAddress {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  b[0] ^= 0x02;
  const words = [(b[0] << 8) | b[1], (b[2] << 8) | 0xff, 0xfe00 | b[3], (b[4] << 8) | b[5]];
  return { address: `fe80::${words.map((w) => w.toString(16)).join(':')}`, prefix: 64, family: 'ipv6' };
}

const STATISTICS = { 'rx-bytes': 1_048_576, 'tx-bytes': 524_288, 'rx-packets': 1024, 'tx-packets': 512, 'rx-errs': 0, 'tx-errs': 0, 'rx-dropped': 0, 'tx-dropped': 0 };

/** guest-network-get-interfaces: lo, then one interface per NIC, named and addressed as the seed configured it. */
export function networkInterfaces(guest: GuestState, vm: VmState): Array<Record<string, unknown>> {
  const entry = (a: IpAddress) => ({ 'ip-address': a.address, 'ip-address-type': a.family, prefix: a.prefix });
  const result: Array<Record<string, unknown>> = [
    { name: 'lo', 'hardware-address': '00:00:00:00:00:00', 'ip-addresses': [entry({ address: '127.0.0.1', prefix: 8, family: 'ipv4' }), entry({ address: '::1', prefix: 128, family: 'ipv6' })], statistics: { ...STATISTICS, 'rx-bytes': 0, 'tx-bytes': 0, 'rx-packets': 0, 'tx-packets': 0 } },
  ];
  const nics = Object.entries(vm.config)
    .map(([k, v]) => ({ index: Number(/^net(\d+)$/.exec(k)?.[1] ?? -1), mac: /=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})/.exec(String(v))?.[1].toLowerCase() }))
    .filter((n) => n.index >= 0)
    .sort((a, b) => a.index - b.index);
  nics.forEach((nic, position) => {
    // Ubuntu names a VirtIO NIC after its PCI slot: qemu-server puts netN in slot 18+N.
    const kernelName = `ens${18 + nic.index}`;
    const config = configFor(guest, nic.mac, kernelName);
    let addresses: IpAddress[] = [];
    if (position === 0 && vm.ipAddresses.length) addresses = vm.ipAddresses.map(fromText);
    else if (config) addresses = [...config.addresses.filter((a) => a.family === 'ipv4'), ...(config.dhcp4 && !config.addresses.some((a) => a.family === 'ipv4') ? [lease(vm, nic.index)] : []), ...config.addresses.filter((a) => a.family === 'ipv6')];
    // The first NIC of a VM without an uploaded seed keeps what the simulator always reported (ipconfig0, else a
    // lease), so that VMs on Proxmox's own cloud-init drive or without one still have an address.
    else if (position === 0 && guest.seed?.kind !== 'iso') addresses = [fallbackAddress(vm)];
    if (nic.mac) addresses.push(linkLocal(nic.mac));
    result.push({ name: config?.setName ?? kernelName, 'hardware-address': nic.mac ?? '00:00:00:00:00:00', 'ip-addresses': addresses.map(entry), statistics: STATISTICS });
  });
  return result;
}
