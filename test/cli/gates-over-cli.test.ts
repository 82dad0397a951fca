// An operator drives a four-phase run with the CLI: status, approve at each gate, refused approvals, report.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import type { StepActivity } from '../../src/catalogue/types';
import { startIntegration } from '../../src/client';
import { connectTestEnv, cozyClientFor, startTestWorker, temporalAddress, uniqueQueue, type RunningWorker } from '../helpers/temporal';
import { step, testConfig } from '../helpers/plan';
import { runCli, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/wait';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
const queue = uniqueQueue('cli');

const pass = (message: string): StepActivity => async () => ({ status: 'passed', message });
let brokenCalls = 0;

beforeAll(async () => {
  env = await connectTestEnv();
  worker = await startTestWorker(queue, {
    assess: pass('assessed'),
    connect: pass('connected'),
    join: pass('joined'),
    observe: pass('metrics scraped'),
    // Fails for good the first time, passes once retried.
    broken: async () => {
      brokenCalls += 1;
      if (brokenCalls === 1) throw ApplicationFailure.nonRetryable('template 9000 has no cloud-init drive', 'CheckFailed');
      return { status: 'passed', message: 'template fixed' };
    },
  });
});
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

const cliEnv = () => ({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: queue });

test('four phases with manual gates approved over the CLI; refused approvals exit 1 with the reason', async () => {
  const cozy = cozyClientFor(env, queue);
  const config = testConfig({ cluster: { name: 'cli-gates' }, simulatedTarget: 'test simulator' });
  const id = await startIntegration(cozy, {
    config,
    plan: [
      step('prep.assess', 'preparation', 'assess', { group: 'step1-api-connection' }),
      step('basic.connect', 'basic-integration', 'connect', { group: 'step2-network-storage' }),
      step('adv.join', 'advanced-integration', 'join', { group: 'step4-worker' }),
      step('mon.observe', 'monitoring-security', 'observe', { group: 'step7-monitoring' }),
    ],
  });

  const status = async () => JSON.parse((await runCli(['status', id, '--json'], cliEnv())).stdout);
  await waitFor(status, (p) => p.state === 'awaiting-approval', 'first gate');

  const wrong = await runCli(['approve', id, '--phase', 'monitoring-security', '--by', 'alice'], cliEnv());
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain('refused: the gate of phase monitoring-security is not open (the open gate is basic-integration)');
  const stranger = await runCli(['approve', id, '--phase', 'basic-integration', '--by', 'eve'], cliEnv());
  expect(stranger.code).toBe(1);
  expect(stranger.stderr).toContain('eve is not an approver');
  const badPhase = await runCli(['approve', id, '--phase', 'phase-9', '--by', 'alice'], cliEnv());
  expect(badPhase.code).toBe(2);
  expect(badPhase.stderr).toContain('--phase must be one of preparation, basic-integration, advanced-integration, monitoring-security');

  for (const phase of ['basic-integration', 'advanced-integration', 'monitoring-security']) {
    await waitFor(status, (p) => p.gates.some((g: { phase: string; state: string }) => g.phase === phase && g.state === 'open'), `gate ${phase}`);
    const text = await runCli(['status', id], cliEnv());
    expect(text.stdout).toContain(`waiting for approval: cozy-proxmox approve ${id} --phase ${phase}`);
    // While a gate waits, the run is at the phase behind it, in text and JSON.
    expect(text.stdout).toMatch(new RegExp(`state: awaiting-approval +phase: ${phase} `));
    expect((await status()).currentPhase).toBe(phase);
    const ok = await runCli(['approve', id, '--phase', phase, '--by', 'bob', '--comment', 'window open'], cliEnv());
    expect(ok).toMatchObject({ code: 0, stdout: `gate ${phase} approved by bob\n` });
  }

  const final = await waitFor(status, (p) => p.state === 'completed', 'run to complete');
  expect(final.gates.slice(1).map((g: { by: string }) => g.by)).toEqual(['bob', 'bob', 'bob']);

  const md = await runCli(['report', id, '--format', 'md'], cliEnv());
  expect(md.code).toBe(0);
  expect(md.stdout).toContain('# Integration report: cli-gates');
  expect(md.stdout).toContain('| `adv.join` test step adv.join | PASS (simulated) | 1 |');
  expect(md.stdout).toContain('Gate: approved by bob');
  const junit = await runCli(['report', id, '--format', 'junit'], cliEnv());
  expect(junit.stdout).toMatch(/<testsuites name="cozy-proxmox cli-gates" tests="4" failures="0"/);
  const json = JSON.parse((await runCli(['report', id, '--format', 'json'], cliEnv())).stdout);
  expect(json).toMatchObject({ kind: 'cozy-proxmox/report', state: 'completed', metrics: { successRate: 100, testsCompleted: 4 } });

  const list = JSON.parse((await runCli(['list', '--json'], cliEnv())).stdout);
  expect(list.find((r: { workflowId: string }) => r.workflowId === id)).toMatchObject({ status: 'COMPLETED', cluster: 'cli-gates', state: 'completed' });
});

test('status --watch says at once which step blocks, why, and the resolve command; resolve over the CLI moves the run on', async () => {
  const cozy = cozyClientFor(env, queue);
  const config = testConfig({ cluster: { name: 'cli-blocked' }, gates: { preparation: 'auto' } });
  const id = await startIntegration(cozy, { config, plan: [step('prep.template', 'preparation', 'broken', { group: 'step1-api-connection' })] });
  const watch = startCli(['status', id, '--watch'], cliEnv(), 60_000);
  const announced = `blocked on prep.template: template 9000 has no cloud-init drive\n  decide with: cozy-proxmox resolve ${id} --step prep.template --action retry|skip|abort\n`;
  await waitFor(async () => watch.output().stdout, (out) => out.includes(announced), 'the blocked step announced');
  const resolved = await runCli(['resolve', id, '--step', 'prep.template', '--action', 'retry', '--by', 'alice'], cliEnv());
  expect(resolved).toMatchObject({ code: 0, stdout: 'step prep.template: retry by alice\n' });
  const done = await watch.result;
  expect(done.code).toBe(0);
  // Announced once, though the run stayed blocked over several polls.
  expect(done.stdout.split(announced)).toHaveLength(2);
  expect(done.stdout).toMatch(/completed preparation/);
});

test('a request for an unknown run and an unreachable server fail clearly', async () => {
  const missing = await runCli(['status', 'integrate-cluster-nope'], cliEnv());
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('no run with id integrate-cluster-nope');
  const down = await runCli(['list', '--address', '127.0.0.1:1'], cliEnv());
  expect(down.code).toBe(1);
  expect(down.stderr).toContain('cannot reach Temporal at 127.0.0.1:1');
});
