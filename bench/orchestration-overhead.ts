// What Temporal costs a run: one full integrate-cluster run against the sandbox (a worker process, every gate auto)
// and the same step activities called directly, one after the other in the plan's order, in this process, with the
// end-of-run compensations after them, as a script without Temporal would do it. Both start from the same sandbox
// state (the host's join undone before each). The ratio is workflow time over sequence time: above 1 is what the
// orchestration costs, below 1 what running a phase's independent checks in parallel gains.
//
//   npm run bench:overhead -- [--pairs 1] [--task-speed 0.3]
// Also prints, for the workflow run: history events, the largest payload, and the Proxmox API calls by client.
import { join } from 'node:path';
import { allActivities } from '../src/activities';
import { workerHostReset } from '../src/activities/worker-host/reset';
import { buildPlan } from '../src/catalogue';
import type { StepInput, StepOutputs } from '../src/catalogue/types';
import { argValue, callsBetween, historyFigures, say, seconds, startBenchSandbox, runToEnd, WorkerProcess, type BenchSandbox } from './lib/sandbox-bench';

/** The plan's steps awaited one by one, then the compensations that run at the end of a successful run. */
async function runDirectly(b: BenchSandbox, workflowId: string): Promise<number> {
  const acts = allActivities();
  const plan = buildPlan(b.config);
  const outputs: Record<string, StepOutputs> = {};
  const done: typeof plan = [];
  const input = (stepId: string): StepInput => ({ stepId, workflowId, config: b.config, outputs: { ...outputs } });
  const started = Date.now();
  for (const def of plan) {
    const outcome = await acts[def.activity](input(def.id));
    if (outcome.status !== 'passed' && outcome.status !== 'warning' && outcome.status !== 'skipped') throw new Error(`${def.id}: ${outcome.status}`);
    if (outcome.outputs) outputs[def.id] = outcome.outputs;
    done.push(def);
  }
  for (const def of [...done].reverse()) {
    if (def.compensation?.when === 'always' && !b.config.keepTestResources) await acts[def.compensation.activity](input(def.id));
  }
  return Date.now() - started;
}

async function undoJoin(b: BenchSandbox, workflowId: string): Promise<void> {
  await workerHostReset({ stepId: 'step4.join', workflowId, config: b.config, outputs: {} });
}

async function main(): Promise<void> {
  const pairs = Number(argValue('pairs', '1'));
  const taskSpeed = Number(argValue('task-speed', '0.3'));
  const b = await startBenchSandbox({ taskSpeed });
  const worker = new WorkerProcess(b.state, join(b.dir, 'logs', 'bench-worker.log'));
  worker.start();
  const ratios: number[] = [];
  try {
    // A first run warms everything up (charts installed, images of the workflow bundle built, caches filled), so
    // that neither side of a pair pays for it.
    say('warm-up run (not measured)');
    let previous = (await runToEnd(b, `overhead-warmup-${Date.now()}`)).workflowId;
    for (let i = 1; i <= pairs; i++) {
      await undoJoin(b, previous);
      say(`pair ${i}: the activities called in sequence`);
      const directId = `overhead-direct-${i}-${Date.now()}`;
      const directMs = await runDirectly(b, directId);
      await undoJoin(b, directId);
      say(`pair ${i}: the integrateCluster workflow`);
      const before = await b.sim.requests();
      const run = await runToEnd(b, `overhead-workflow-${i}-${Date.now()}`);
      if (run.progress.state !== 'completed') throw new Error(`the workflow run ended ${run.progress.state}: ${run.progress.outcomeMessage ?? ''}`);
      previous = run.workflowId;
      const calls = callsBetween(before, await b.sim.requests());
      const history = await historyFigures(b.cozy, run.workflowId);
      const ratio = run.ms / directMs;
      ratios.push(ratio);
      process.stdout.write(
        [
          `pair ${i}: workflow ${seconds(run.ms)} s, activities in sequence ${seconds(directMs)} s, ratio ${ratio.toFixed(2)} (${run.progress.steps.length} steps)`,
          `  history: ${history.events} events, ${history.payloads} payloads (${history.totalPayloadBytes} bytes), largest ${history.largestPayloadBytes} bytes in ${history.largestPayloadEvent}`,
          `  Proxmox API calls during the workflow run: ${Object.entries(calls).map(([c, n]) => `${c} ${n.requests}`).join(', ')}`,
        ].join('\n') + '\n',
      );
    }
  } finally {
    await worker.stop();
    await b.stop();
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  process.stdout.write(`orchestration overhead: ratio ${median.toFixed(2)} (median of ${ratios.length}; target 1.25 or less), task speed ${taskSpeed}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
