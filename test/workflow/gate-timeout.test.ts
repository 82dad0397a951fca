// A gate's timeout under the time-skipping test server: 24 hours pass in moments.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';
import { toolPath } from '../../src/tools/tool-paths';
import { wrapStepActivities } from '../../src/activities/common/step-wrapper';
import { approvalActivities } from '../../src/activities/approvals/trusted-approvers';
import { WORKFLOW_TYPE, progressQuery, type IntegrateClusterInput } from '../../src/workflows/definitions';
import type { Progress } from '../../src/report/progress';
import { step, testConfig } from '../helpers/plan';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: toolPath('TEMPORAL_TEST_SERVER', 'temporal-test-server') } },
  });
  // The workflow upserts its search attributes; the test server knows only those registered with it.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
});
afterAll(async () => {
  await env?.teardown();
});

test('a manual gate that nobody approves within its timeout ends the run after compensation', async () => {
  const undone: string[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'gate-timeout',
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE as string },
    activities: {
      ...wrapStepActivities({
        makeTestNs: async () => ({ status: 'passed', message: 'namespace made' }),
        removeTestNs: async () => {
          undone.push('removeTestNs');
          return { status: 'passed', message: 'removed' };
        },
        never: async () => ({ status: 'passed', message: 'must not run' }),
      }),
      // The workflow asks every worker whom it trusts to decide (createWorker registers this itself).
      ...approvalActivities(undefined),
    },
  });
  const input: IntegrateClusterInput = {
    config: testConfig({ cluster: { name: 'gate-timeout' }, gates: { 'basic-integration': { policy: 'manual', timeout: '24h' } } }),
    plan: [
      step('prep.ns', 'preparation', 'makeTestNs', { compensation: { activity: 'removeTestNs', when: 'always' } }),
      step('basic.never', 'basic-integration', 'never'),
    ],
  };
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(WORKFLOW_TYPE, { taskQueue: 'gate-timeout', workflowId: 'gate-timeout-1', args: [input] });
    const started = Date.now();
    const err = await handle.result().catch((e) => e);
    expect(Date.now() - started).toBeLessThan(60_000); // a day of workflow time, not of wall time
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'GateTimedOut' });
    const p = (await handle.query(progressQuery)) as Progress;
    expect(p).toMatchObject({ state: 'failed', outcome: 'gate-timeout' });
    expect(p.outcomeMessage).toBe('the gate of phase basic-integration was not approved within 86400s');
    expect(p.gates[1]).toMatchObject({ phase: 'basic-integration', state: 'timed-out', timeoutMs: 86_400_000 });
    expect(p.steps[1].state).toBe('pending');
  });
  expect(undone).toEqual(['removeTestNs']);
});
