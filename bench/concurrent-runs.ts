// Many integrate-cluster runs at once on one worker process against the sandbox: all must complete; prints the
// worker's peak RSS (the kernel's VmHWM), runs per minute, run durations, and history events per run.
//
// Each run integrates a cluster of its own: its own name, test namespace, machine address range and VMID range, so its
// Cluster API objects, VMs, volumes, pods and policies are its own. Left out of the concurrent runs are the steps
// that act on what every run in one sandbox shares, which a first, sequential run does once: the four chart
// installs (one release each in the cluster), the host join (one Proxmox host joins once) and the node restart of
// step8.reliability (it restarts the node every run's workload uses). The simulator is seeded with room for the
// VMs of all runs (storage 20 TiB, 512 cores, 4 TiB memory), and five more VM-backed nodes for the runs' volumes.
//
//   npm run bench:concurrent -- [--runs 50] [--task-speed 0.3] [--max-concurrent-activities 20]
// (20 activity slots: the worker's default, so that the figures are those of a worker started as it ships.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildPlan } from '../src/catalogue';
import type { IntegrationConfig } from '../src/config/schema';
import { KubeClient } from '../src/kubernetes/client';
import { type KubeObject } from '../src/kubernetes/types';
import { waitForObject } from '../src/kubernetes/wait';
import { KUBERNETES_VERSION } from '../packages/sandbox/src/kubernetes/control-plane';
import { fakeNodeManifest, nodeIsReady } from '../packages/sandbox/src/kubernetes/fake-node';
import { SANDBOX_LABELS, vmBackedNode } from '../packages/sandbox/src/kubernetes/seed-objects';
import { WORKER_RELEASE } from '../packages/sandbox/src/kubernetes/worker-identity';
import { netpolNames } from '../src/activities/network/names';
import { defaultSeedInput, SANDBOX_NODE_VM } from '../packages/sandbox/src/proxmox-sim/default-seed';
import { argValue, historyFigures, mib, runToEnd, say, seconds, startBenchSandbox, startRun, WorkerProcess, type RunResult } from './lib/sandbox-bench';

export const SHARED_STEPS = ['capi.provider-chart', 'worker.chart', 'csi.chart', 'monitoring.chart', 'step4.host-preflight', 'step4.join', 'step4.node-ready', 'step8.reliability'];

/**
 * VM-backed Kubernetes nodes besides the sandbox's one: each VM takes 24 CSI attachments (the driver's default
 * limit), and fifty runs' test pods with their volumes need more room than one node has.
 */
const EXTRA_VM_NODES = Array.from({ length: 5 }, (_, i) => ({ vmid: 812 + i, name: `cozy-bench-node-${i + 2}`, node: 'pve1' }));

function roomySeed(dir: string): string {
  const seed = defaultSeedInput();
  for (const node of seed.nodes) {
    Object.assign(node, { cpus: 512, memory: '4096G' });
    for (const s of node.storages ?? []) if (s.id === 'local-lvm') s.total = '20T';
  }
  const pve1 = seed.nodes.find((n) => n.name === 'pve1')!;
  const nodeVm = pve1.vms!.find((v) => v.vmid === SANDBOX_NODE_VM.vmid)!;
  pve1.vms!.push(...EXTRA_VM_NODES.map((vm, i) => ({ ...nodeVm, vmid: vm.vmid, name: vm.name, nets: [{ ...nodeVm.nets![0], macaddr: `BC:24:11:5E:7B:${(i + 16).toString(16).toUpperCase()}` }] })));
  const file = join(dir, 'bench-seed.yaml');
  writeFileSync(file, stringify(seed));
  return file;
}

function configOf(base: IntegrationConfig, i: number): IntegrationConfig {
  const name = `bench-${i}`;
  return {
    ...base,
    cluster: { name },
    kubernetes: { ...base.kubernetes, testNamespace: name },
    vms: {
      ...base.vms,
      ipv4: { addresses: [`10.20.${i}.10-10.20.${i}.30`], prefix: 24, gateway: `10.20.${i}.1` },
      dnsServers: [`10.20.${i}.1`],
      controlPlaneEndpoint: { host: `10.20.${i}.2`, port: 6443 },
      // CAPMOX deletes a machine's VM by VMID: without a range of its own, a run deleting its machine while another
      // is given the same VMID by /cluster/nextid removes the other run's new VM.
      vmIdRange: { start: 10_000 + i * 100, end: 10_000 + i * 100 + 99 },
    },
  };
}

/**
 * The worker acts as the chart's ServiceAccount, whose chart binds one test namespace (rbac.testNamespace) and its
 * second tenant's. Fifty runs with a namespace each get what an operator does for more than one: the namespaces,
 * and a RoleBinding of the chart's tests ClusterRole in each.
 */
async function bindTestNamespaces(kube: KubeClient, config: IntegrationConfig): Promise<void> {
  const role = `${WORKER_RELEASE.name}-tests`;
  for (const namespace of [config.kubernetes.testNamespace, netpolNames(config).tenantNamespace]) {
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: role, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: WORKER_RELEASE.name, namespace: WORKER_RELEASE.namespace }],
    } as KubeObject);
  }
}

function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} ${n}`).join(', ');
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

async function main(): Promise<void> {
  const runs = Number(argValue('runs', '50'));
  const taskSpeed = Number(argValue('task-speed', '0.3'));
  const slots = argValue('max-concurrent-activities', '20');
  const b = await startBenchSandbox({ taskSpeed, proxmoxSeed: roomySeed });
  say(`adding ${EXTRA_VM_NODES.length} VM-backed nodes: ${EXTRA_VM_NODES.map((v) => `${v.name} (VM ${v.vmid})`).join(', ')}`);
  const kube = await KubeClient.connect({ kubeconfig: b.state.kubernetes!.kubeconfig });
  for (const vm of EXTRA_VM_NODES) {
    const manifest = fakeNodeManifest(vm.name, SANDBOX_LABELS, { kubeletVersion: KUBERNETES_VERSION, cpu: '8', memory: '32Gi' }) as KubeObject;
    await kube.apply(vmBackedNode(manifest, vm));
    await waitForObject(kube, { apiVersion: 'v1', kind: 'Node', name: vm.name }, (n) => n !== undefined && nodeIsReady(n as never), { timeoutMs: 60_000 });
  }
  say(`binding the worker's test role in the ${runs} runs' namespaces`);
  for (let i = 1; i <= runs; i++) await bindTestNamespaces(kube, configOf(b.config, i));
  const worker = new WorkerProcess(b.state, join(b.dir, 'logs', 'bench-worker.log'), ['--max-concurrent-activities', slots]);
  worker.start();
  const sampler = setInterval(() => worker.peakRssBytes(), 200);
  try {
    say('the shared steps, once: a full sequential run (charts, join)');
    const first = await runToEnd(b, `concurrent-setup-${Date.now()}`);
    if (first.progress.state !== 'completed') throw new Error(`the setup run ended ${first.progress.state}: ${first.progress.outcomeMessage ?? ''}`);
    const rssAfterOne = worker.peakRssBytes();
    say(`${runs} runs at once`);
    const started = Date.now();
    const waits = await Promise.all(
      Array.from({ length: runs }, (_, i) => {
        const config = configOf(b.config, i + 1);
        const plan = buildPlan(config).filter((s) => !SHARED_STEPS.includes(s.id));
        return startRun(b, `concurrent-${i + 1}-${started}`, { config, plan });
      }),
    );
    const results: RunResult[] = await Promise.all(waits.map((w) => w()));
    const wallMs = Date.now() - started;
    const completed = results.filter((r) => r.progress.state === 'completed');
    const failedSteps = results.flatMap((r) => r.progress.steps.filter((s) => s.state === 'failed').map((s) => `${r.workflowId}/${s.id}`));
    // Runs that did not complete: how they ended, and each blocked or failed step with the first run's message.
    const ends = tally(results.map((r) => r.progress.state));
    const stopped = new Map<string, { runs: number; message: string }>();
    for (const r of results) {
      for (const s of r.progress.steps.filter((x) => x.state === 'blocked' || x.state === 'failed')) {
        const key = `${s.state} on ${s.id}`;
        const b = stopped.get(key) ?? { runs: 0, message: `${r.workflowId}: ${s.message ?? ''}`.slice(0, 400) };
        b.runs++;
        stopped.set(key, b);
      }
    }
    const durations = results.map((r) => r.ms).sort((x, y) => x - y);
    const events = await Promise.all(results.slice(0, 5).map((r) => historyFigures(b.cozy, r.workflowId)));
    process.stdout.write(
      [
        `concurrent runs: ${runs} at once on one worker (${slots} activity slots), ${results[0]?.progress.steps.length ?? 0} steps each, task speed ${taskSpeed}`,
        `  completed         ${completed.length} of ${runs} (${ends})${failedSteps.length ? `; non-blocking steps failed: ${failedSteps.slice(0, 10).join(', ')}` : ''}`,
        ...[...stopped].map(([what, b]) => `  ${what} in ${b.runs} run(s), e.g. ${b.message}`),
        `  wall time         ${seconds(wallMs)} s: ${(completed.length / (wallMs / 60_000)).toFixed(1)} runs per minute`,
        `  run duration      p50 ${seconds(pct(durations, 50))} s, p95 ${seconds(pct(durations, 95))} s, max ${seconds(durations[durations.length - 1])} s`,
        `  worker peak RSS   ${mib(worker.peakRssBytes())} MiB (after the one sequential run: ${mib(rssAfterOne)} MiB; target 400 MB or less)`,
        `  history           ${events.map((e) => e.events).join(', ')} events (first ${events.length} runs)`,
      ].join('\n') + '\n',
    );
    if (completed.length !== runs) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await worker.stop();
    await b.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
