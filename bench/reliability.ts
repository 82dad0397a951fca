// Reliability under faults and crashes, against a sandbox of its own. Each scenario is one full integrate-cluster
// run (all four phases, every gate auto) on a worker process, and passes when the run completes with what an
// undisturbed run leaves: as many clones, exactly one join, as many CSI volumes, and the VMs it found as they were.
//   baseline          an undisturbed run, the reference for the others
//   faults            every Proxmox API request: 20% answered 500 or 503, 300 ms added to each
//   ticket-expiry     tickets expired while step1.ticket-auth holds one (requests slowed to 1.5 s so that it does)
//   task-failure      the step-3 clone task fails once (TASK ERROR); the provider clones again
//   worker-kill       the worker SIGKILLed at five points (the step-3 clone, the scale-up, the join, the CSI volume,
//                     the node restart), a new one started each time
//   temporal-restart  the Temporal dev server stopped during step 3 and started again on its database file
//
//   npm run bench:reliability -- [--scenarios baseline,faults,...] [--task-speed 0.3]
// Prints one line per scenario and exits non-zero if any failed.
import { join } from 'node:path';
import { workerHostReset } from '../src/activities/worker-host/reset';
import { restartSandboxTemporal } from '../packages/sandbox/src/sandbox';
import type { SimulatorRequests } from '../packages/sandbox/src/simulator-admin';
import {
  argValue,
  callsBetween,
  historyFigures,
  otherClients,
  retriedSteps,
  say,
  seconds,
  sideEffects,
  startBenchSandbox,
  startRun,
  stepRunning,
  waitForProgress,
  WorkerProcess,
  type BenchSandbox,
  delta,
  type RunResult,
  type SideEffectCounts,
} from './lib/sandbox-bench';

const PROJECT_CLIENT = 'cozy-proxmox';
const TICKET_ROUTE = 'POST /access/ticket';
const CLONE_ERROR = "clone failed: lvcreate 'pve/vm-100-disk-0' error: Volume group \"pve\" has insufficient free space";

interface Scenario {
  name: string;
  /** Injected before the run starts, and while it runs (given the run's id); returns lines for the report. */
  disturb(ctx: ScenarioContext): Promise<string[]>;
  /** Clone tasks the scenario makes fail on purpose (they are not counted as clones). */
  expectedFailedClones?: number;
}

interface ScenarioContext {
  b: BenchSandbox;
  worker: WorkerProcess;
  workflowId: string;
  /** Set by the scenario before it returns: the run has started. */
  started: Promise<void>;
}

const ticketLogins = (r: SimulatorRequests) => r.byClient[PROJECT_CLIENT]?.routes[TICKET_ROUTE] ?? 0;

const SCENARIOS: Scenario[] = [
  { name: 'baseline', disturb: async () => [] },
  {
    name: 'faults',
    disturb: async ({ b }) => {
      await b.sim.setFaults({ errorRate: 0.2, latencyMs: 300 });
      return ['faults: 20% of requests answered 500/503, 300 ms added to each, for the whole run'];
    },
  },
  {
    name: 'ticket-expiry',
    disturb: async ({ b, workflowId, started }) => {
      const before = ticketLogins(await b.sim.requests());
      await b.sim.setFaults({ latencyMs: 1500 });
      await started;
      await waitForProgress(b.cozy, workflowId, stepRunning('step1.ticket-auth'), 'step1.ticket-auth running');
      // Its first login served: the ticket it holds is expired before its next call.
      for (let i = 0; i < 200 && ticketLogins(await b.sim.requests()) <= before; i++) await new Promise((r) => setTimeout(r, 50));
      await b.sim.setFaults({ expireTickets: true });
      const p = await waitForProgress(b.cozy, workflowId, (x) => !stepRunning('step1.ticket-auth')(x), 'step1.ticket-auth done');
      await b.sim.clearFaults();
      const step = p.steps.find((s) => s.id === 'step1.ticket-auth')!;
      const logins = ticketLogins(await b.sim.requests()) - before;
      if (step.state !== 'passed' || step.attempts !== 1 || logins < 2) throw new Error(`step1.ticket-auth ${step.state} after ${step.attempts} attempt(s) with ${logins} login(s): the ticket was not renewed within the attempt`);
      return [`tickets expired during step1.ticket-auth: it logged in ${logins} times and passed on attempt 1 (renewed inside the attempt)`];
    },
  },
  {
    name: 'task-failure',
    expectedFailedClones: 1,
    disturb: async ({ b }) => {
      await b.sim.setFaults({ failTasks: { type: 'qmclone', count: 1, message: CLONE_ERROR } });
      return ['the first clone task of the run fails with TASK ERROR'];
    },
  },
  {
    name: 'worker-kill',
    disturb: async (ctx) => {
      const { b, workflowId, started, worker } = ctx;
      await started;
      const lines: string[] = [];
      const crash = async (where: string) => {
        await worker.kill();
        await new Promise((r) => setTimeout(r, 1000));
        worker.start();
        lines.push(`SIGKILL during ${where}`);
      };
      const clonesNow = async () => (await b.sim.snapshot()).tasks.filter((t) => t.type === 'qmclone');
      const clonesBefore = (await clonesNow()).length;
      await waitForProgress(b.cozy, workflowId, stepRunning('step3.vm-provisioned'), 'step3.vm-provisioned running');
      for (let i = 0; i < 600; i++) {
        const c = await clonesNow();
        if (c.length > clonesBefore && c.some((t) => t.status === 'running')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await crash('step3.vm-provisioned (its clone task running)');
      for (const [stepId, what] of [
        ['step3.vm-scale', 'step3.vm-scale (scaling to 2)'],
        ['step4.join', 'step4.join'],
        ['step5.volume', 'step5.volume (claim being provisioned)'],
      ] as const) {
        await waitForProgress(b.cozy, workflowId, stepRunning(stepId), `${stepId} running`);
        await new Promise((r) => setTimeout(r, 800));
        await crash(what);
      }
      await waitForProgress(b.cozy, workflowId, stepRunning('step8.reliability'), 'step8.reliability running');
      // Once the VM behind the node is stopped: the new attempt must start it again.
      for (let i = 0; i < 600; i++) {
        if ((await b.sim.snapshot()).vms.some((v) => v.vmid === 811 && v.status !== 'running')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await crash('step8.reliability (the node\'s VM stopped)');
      return lines;
    },
  },
  {
    name: 'temporal-restart',
    disturb: async ({ b, workflowId, started }) => {
      await started;
      await waitForProgress(b.cozy, workflowId, stepRunning('step3.vm-scale'), 'step3.vm-scale running');
      const t = Date.now();
      await restartSandboxTemporal(b.dir, { downMs: 3000 });
      return [`Temporal stopped during step3.vm-scale and started again on ${b.state.temporal.dbFile} (${seconds(Date.now() - t)} s down)`];
    },
  },
];

interface Outcome {
  scenario: string;
  ok: boolean;
  line: string;
}

async function runScenario(b: BenchSandbox, scenario: Scenario, previousRun: string | undefined, baseline: { ms: number; effects: SideEffectCounts } | undefined): Promise<{ outcome: Outcome; run?: RunResult; effects?: SideEffectCounts }> {
  const workflowId = `reliability-${scenario.name}-${Date.now()}`;
  // Every run joins the host afresh: the previous run's join is undone as its compensation would.
  if (previousRun) await workerHostReset({ stepId: 'step4.join', workflowId: previousRun, config: b.config, outputs: {} });
  const worker = new WorkerProcess(b.state, join(b.dir, 'logs', `bench-worker-${scenario.name}.log`));
  worker.start();
  const before = await sideEffects(b);
  const requestsBefore = await b.sim.requests();
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((r) => (markStarted = r));
  try {
    const disturbed = scenario.disturb({ b, worker, workflowId, started });
    const wait = await startRun(b, workflowId);
    markStarted();
    const notes = await disturbed;
    const run = await wait();
    await b.sim.clearFaults();
    const after = await sideEffects(b);
    const effects = delta(before, after);
    const failedClones = effects.failedClones;
    const calls = callsBetween(requestsBefore, await b.sim.requests());
    const history = await historyFigures(b.cozy, workflowId);
    const problems: string[] = [];
    if (run.progress.state !== 'completed') problems.push(`the run ended ${run.progress.state}: ${run.progress.outcomeMessage ?? ''}`);
    const notPassed = run.progress.steps.filter((s) => s.state === 'failed');
    if (notPassed.length > 0) problems.push(`failed steps: ${notPassed.map((s) => s.id).join(', ')}`);
    if (effects.joins !== 1) problems.push(`${effects.joins} joins (expected 1)`);
    if (baseline && effects.clones !== baseline.effects.clones) problems.push(`${effects.clones} clones (an undisturbed run makes ${baseline.effects.clones})`);
    if (baseline && effects.csiVolumes !== baseline.effects.csiVolumes) problems.push(`${effects.csiVolumes} CSI volumes (an undisturbed run makes ${baseline.effects.csiVolumes})`);
    if (JSON.stringify(after.vms) !== JSON.stringify(before.vms)) problems.push(`VMs before ${before.vms.join(',')}, after ${after.vms.join(',')}`);
    if (failedClones !== (scenario.expectedFailedClones ?? 0)) problems.push(`${failedClones} failed clone tasks (expected ${scenario.expectedFailedClones ?? 0})`);
    const project = calls[PROJECT_CLIENT] ?? { requests: 0, serverErrors: 0 };
    const line = [
      `${problems.length === 0 ? 'PASS' : 'FAIL'} ${scenario.name.padEnd(16)} run ${seconds(run.ms)} s${baseline ? ` (baseline ${seconds(baseline.ms)} s)` : ''}, ${run.progress.steps.length} steps, ${worker.starts} worker start(s)`,
      ...notes.map((n) => `    ${n}`),
      `    clones ${effects.clones}${failedClones ? ` (+${failedClones} failed clone task)` : ''}, joins ${effects.joins}, CSI volumes ${effects.csiVolumes}; VMs afterwards ${JSON.stringify(after.vms) === JSON.stringify(before.vms) ? 'as before' : 'changed'}`,
      `    Proxmox requests of the run: ${project.requests} (${project.serverErrors} answered 5xx); other clients: ${otherClients(calls, PROJECT_CLIENT)}`,
      `    history: ${history.events} events, largest payload ${history.largestPayloadBytes} bytes (${history.largestPayloadEvent})`,
      `    steps not passed at the first attempt: ${retriedSteps(run.progress).join('; ') || 'none'}`,
      ...problems.map((p) => `    problem: ${p}`),
    ].join('\n');
    return { outcome: { scenario: scenario.name, ok: problems.length === 0, line }, run, effects };
  } catch (err) {
    await b.sim.clearFaults().catch(() => undefined);
    return { outcome: { scenario: scenario.name, ok: false, line: `FAIL ${scenario.name}: ${(err as Error).message}` } };
  } finally {
    await worker.stop();
  }
}

async function main(): Promise<void> {
  const wanted = argValue('scenarios', SCENARIOS.map((s) => s.name).join(',')).split(',');
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const taskSpeed = Number(argValue('task-speed', '0.3'));
  const b = await startBenchSandbox({ taskSpeed });
  const outcomes: Outcome[] = [];
  try {
    // The baseline always runs first: the others are compared with it.
    const order = ['baseline', ...wanted.filter((w) => w !== 'baseline')];
    let previous: string | undefined;
    let baseline: { ms: number; effects: SideEffectCounts } | undefined;
    for (const name of order) {
      say(`scenario ${name}`);
      const scenario = SCENARIOS.find((s) => s.name === name)!;
      const r = await runScenario(b, scenario, previous, baseline);
      outcomes.push(r.outcome);
      process.stdout.write(r.outcome.line + '\n');
      if (r.run) previous = r.run.workflowId;
      if (name === 'baseline' && r.run && r.effects) baseline = { ms: r.run.ms, effects: r.effects };
    }
  } finally {
    await b.stop();
  }
  const failed = outcomes.filter((o) => !o.ok);
  process.stdout.write(`\nreliability: ${outcomes.length - failed.length} of ${outcomes.length} scenarios passed (task speed ${taskSpeed})\n`);
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
