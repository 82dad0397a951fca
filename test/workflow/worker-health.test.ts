// The worker's probes: /readyz answers 200 only while the worker polls, /healthz while it runs or drains, so an
// orchestrator takes a stopping worker out of rotation without killing it while its steps finish.
import { createServer } from 'node:net';
import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { StepActivity } from '../../src/catalogue/types';
import { finalProgress, startIntegration } from '../../src/client';
import { startHealthServer } from '../../src/worker-health';
import { freePort } from '../../packages/sandbox/src/processes';
import { runCli, startCli } from '../helpers/cli';
import { step, testConfig } from '../helpers/plan';
import { connectTestEnv, cozyClientFor, startTestWorker, temporalAddress, uniqueQueue } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const probe = async (url: string) => {
  const res = await axios.get<string>(url, { validateStatus: () => true, responseType: 'text' });
  return `${res.status} ${res.data.trim()}`;
};

test('a draining worker is alive but not ready; once stopped, neither', async () => {
  let started = false;
  let release = false;
  let runs = 0;
  const slow: StepActivity = async () => {
    const { Context } = await import('@temporalio/activity');
    started = true;
    runs += 1;
    while (!release) {
      Context.current().heartbeat();
      await Context.current().sleep(50);
    }
    return { status: 'passed', message: 'done' };
  };
  const queue = uniqueQueue('health');
  const worker = await startTestWorker(queue, { slow }, { shutdownGraceMs: 30_000 });
  const health = await startHealthServer(`127.0.0.1:${await freePort()}`, () => worker.worker.getState());
  try {
    expect(await probe(`${health.url}/readyz`)).toBe('200 running');
    expect(await probe(`${health.url}/healthz`)).toBe('200 running');
    expect(await probe(`${health.url}/metrics`)).toMatch(/^404 /);
    const cozy = cozyClientFor(env, queue);
    const id = await startIntegration(cozy, { config: testConfig({ cluster: { name: 'health' }, gates: { preparation: 'auto' } }), plan: [step('prep.slow', 'preparation', 'slow')], workflowId: `health-${queue}` });
    await waitFor(async () => started, (s) => s, 'the step to start', 20_000, 20);
    const stopping = worker.stop();
    // Asked to stop with a step in flight: out of rotation, not dead.
    await waitFor(() => probe(`${health.url}/readyz`), (r) => r.startsWith('503 '), 'readyz to turn 503', 10_000, 20);
    expect(await probe(`${health.url}/healthz`)).toMatch(/^200 (stopping|draining|drained)$/);
    release = true;
    await stopping;
    expect(await probe(`${health.url}/readyz`)).toBe('503 stopped');
    expect(await probe(`${health.url}/healthz`)).toBe('503 stopped');
    // The step finished during the drain: the next worker completes the run without running it again.
    const next = await startTestWorker(queue, { slow });
    try {
      expect((await finalProgress(cozy, id))?.state).toBe('completed');
      expect(runs).toBe(1);
    } finally {
      await next.stop();
    }
  } finally {
    release = true;
    await health.close();
  }
});

test('cozy-proxmox worker --health-address serves the probes; a bad or taken address stops it with the reason', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const cliEnv = { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: uniqueQueue('health-cli'), COZY_PROXMOX_LOG_LEVEL: 'WARN' };
  const worker = startCli(['worker', '--health-address', address], cliEnv, 60_000);
  try {
    await waitFor(async () => worker.output().stderr, (e) => e.includes(`worker health at http://${address}/healthz and http://${address}/readyz`), 'the health endpoint', 30_000);
    await waitFor(() => probe(`http://${address}/readyz`), (r) => r === '200 running', 'readyz 200', 10_000);
  } finally {
    process.kill(worker.pid, 'SIGTERM');
    expect((await worker.result).code).toBe(0);
  }
  const bad = await runCli(['worker', '--health-address', '127.0.0.1'], cliEnv);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--health-address must be HOST:PORT');
  const taken = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
  try {
    const busy = await runCli(['worker', '--health-address', `127.0.0.1:${(taken.address() as { port: number }).port}`], cliEnv);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/error: cannot serve the health endpoint on 127\.0\.0\.1:\d+: EADDRINUSE/);
  } finally {
    taken.close();
  }
});
