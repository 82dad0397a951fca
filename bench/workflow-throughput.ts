// Benchmark: what the workflow engine itself costs. Many integrateCluster runs of the full catalogue plan, gates
// approved automatically, on a Temporal dev server of their own, with step activities that answer at once - so the
// figures are orchestration only (history, task round trips, progress bookkeeping), not Proxmox or Kubernetes time.
//
// Prints: runs per second, run duration p50/p95, orchestration cost per step, history events per run, and the
// worker process's peak RSS and heap.
//
// Build and run (from the repository root):
//   npm run bench:workflow -- [--runs 40] [--concurrency 10]
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOGUE, buildPlan } from '../src/catalogue';
import type { StepActivity } from '../src/catalogue/types';
import { connectClient, startIntegration } from '../src/client';
import { integrationConfigSchema } from '../src/config/schema';
import { freePort, spawnDaemon, stopProcess, waitForPort } from '../packages/sandbox/src/processes';
import { temporalDevServerArgs } from '../packages/sandbox/src/sandbox';
import { bundleWorkflows } from '../src/workflow-bundle';
import { toolPath } from '../src/tools/tool-paths';
import { wrapStepActivities } from '../src/activities/common/step-wrapper';
import { createWorker, installRuntime } from '../src/worker';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const runs = arg('runs', 40);
  const concurrency = arg('concurrency', 10);
  installRuntime('WARN');
  const dir = mkdtempSync(join(tmpdir(), 'cozy-bench-'));
  const port = await freePort();
  const log = join(dir, 'temporal.log');
  const pid = spawnDaemon(
    toolPath('TEMPORAL_CLI', 'temporal'),
    await temporalDevServerArgs({ port, uiPort: await freePort(), dbFile: join(dir, 'temporal.db') }),
    log,
  );
  try {
    await waitForPort(port, `Temporal (see ${log})`, 60_000, pid);
    const address = `127.0.0.1:${port}`;
    const config = integrationConfigSchema.parse({
      apiVersion: 'cozy-proxmox/v1',
      kind: 'Integration',
      cluster: { name: 'bench' },
      proxmox: { url: 'https://127.0.0.1:8006', node: 'pve1', token: { id: 'root@pam!bench', secret: 'env:UNUSED' }, templateId: 9000 },
      gates: { preparation: 'auto', 'basic-integration': 'auto', 'advanced-integration': 'auto', 'monitoring-security': 'auto' },
    });
    const plan = buildPlan(config);
    // Every activity the catalogue names answers at once, so only the engine is measured.
    const names = new Set(CATALOGUE.flatMap((s) => [s.activity, ...(s.compensation ? [s.compensation.activity] : [])]));
    const instant: StepActivity = async () => ({ status: 'passed', message: 'instant (benchmark)' });
    const activities = wrapStepActivities(Object.fromEntries([...names].map((n) => [n, instant])));

    const bundle = await bundleWorkflows();
    const { worker, connection } = await createWorker({ address, taskQueue: 'bench', activities, workflowBundle: bundle, maxConcurrentActivityTaskExecutions: 100 });
    let peakRss = 0;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);
    const running = worker.run();
    const cozy = await connectClient({ address, taskQueue: 'bench' });
    const durations: number[] = [];
    let events = 0;
    const started = Date.now();
    let next = 0;
    const one = async () => {
      while (next < runs) {
        const i = next++;
        const t0 = Date.now();
        const id = await startIntegration(cozy, { config, plan, workflowId: `bench-${i}` });
        const handle = cozy.client.workflow.getHandle(id);
        await handle.result();
        durations.push(Date.now() - t0);
        const history = await handle.fetchHistory();
        events += history.events?.length ?? 0;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, one));
    const totalMs = Date.now() - started;
    clearInterval(sampler);
    worker.shutdown();
    await running;
    await cozy.close();
    await connection.close();

    durations.sort((a, b) => a - b);
    const p50 = percentile(durations, 50);
    console.log(`workflow engine: ${runs} runs of the full plan (${plan.length} steps, 4 phases, gates auto), concurrency ${concurrency}`);
    console.log(`  throughput        ${(runs / (totalMs / 1000)).toFixed(2)} runs/s (${(totalMs / 1000).toFixed(1)} s in all)`);
    console.log(`  run duration      p50 ${p50} ms, p95 ${percentile(durations, 95)} ms`);
    console.log(`  per step          ${(p50 / plan.length).toFixed(1)} ms of orchestration (p50 run / steps)`);
    console.log(`  history           ${Math.round(events / runs)} events per run`);
    console.log(`  worker process    peak RSS ${mib(peakRss)} MiB, peak heap ${mib(peakHeap)} MiB`);
  } finally {
    await stopProcess(pid);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
