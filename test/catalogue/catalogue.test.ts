// The catalogue as the worker and the workflow see it: derived from the step modules, one activity per run and per
// undo, the names of earlier versions still served, outputs checked against their schema and handed to the undo.
import { z } from 'zod';
import { allActivities, stepRun, stepUndo } from '../../src/activities';
import { FORMER_ACTIVITY_NAMES } from '../../src/activities/former-names';
import { buildPlan, CATALOGUE, STEPS } from '../../src/catalogue';
import { defineStep } from '../../src/catalogue/define-step';
import { PHASE_IDS } from '../../src/catalogue/phases';
import type { StepInput } from '../../src/catalogue/types';
import { testConfig } from '../helpers/plan';

const input = (outputs: StepInput['outputs'] = {}): StepInput => ({ stepId: 'test.step', workflowId: 'wf-1', config: testConfig(), outputs });

test('step IDs are unique; each step depends only on steps of its own phase listed before it', () => {
  expect(new Set(CATALOGUE.map((s) => s.id)).size).toBe(CATALOGUE.length);
  CATALOGUE.forEach((step, i) => {
    for (const dep of step.dependsOn ?? []) {
      const at = CATALOGUE.findIndex((s) => s.id === dep);
      expect({ step: step.id, dep, found: at >= 0 && at < i, phase: CATALOGUE[at]?.phase }).toEqual({ step: step.id, dep, found: true, phase: step.phase });
    }
  });
  // Phases in order: the report and the plan list them as they run.
  const phases = CATALOGUE.map((s) => PHASE_IDS.indexOf(s.phase));
  expect(phases).toEqual([...phases].sort((a, b) => a - b));
});

test('the worker registers every step and undo under the names the plan uses, and the names earlier plans used', () => {
  const registered = allActivities();
  const planned = CATALOGUE.flatMap((s) => [s.activity, ...(s.compensation ? [s.compensation.activity] : [])]);
  expect(Object.keys(registered).sort()).toEqual([...planned, ...Object.keys(FORMER_ACTIVITY_NAMES)].sort());
  for (const [former, now] of Object.entries(FORMER_ACTIVITY_NAMES)) expect({ former, same: registered[former] === registered[now] }).toEqual({ former, same: true });
  expect(CATALOGUE.find((s) => s.id === 'step4.join')).toMatchObject({ activity: 'step4.join', compensation: { activity: 'step4.join:undo', when: 'on-failure' } });
});

test('a plan leaves out what its config does not ask for, and the dependencies on it', () => {
  const plain = buildPlan(testConfig());
  expect(plain.map((s) => s.id)).not.toContain('step2.create-bridge');
  expect(plain.length).toBe(STEPS.length - 1);
  const ids = new Set(plain.map((s) => s.id));
  for (const s of plain) for (const d of s.dependsOn ?? []) expect(ids.has(d)).toBe(true);
});

test('a plan leaves out the test steps its config skips, and nothing else', () => {
  const plain = buildPlan(testConfig());
  const withoutVms = buildPlan({ ...testConfig(), skipTestSteps: ['step3-vm-management'] });
  expect(plain.map((s) => s.id).filter((id) => !withoutVms.some((s) => s.id === id))).toEqual(['step3.cluster-ready', 'step3.vm-provisioned', 'step3.vm-scale', 'step3.vm-delete']);
  // The provider the VMs would go through is part of the integration, not of the test step: it stays.
  expect(withoutVms.map((s) => s.id)).toEqual(expect.arrayContaining(['capi.provider-chart', 'capi.provider-ready']));
});

describe('outputs', () => {
  const made: unknown[] = [];
  const step = defineStep({
    id: 'test.step',
    phase: 'preparation',
    title: 'makes a thing',
    blocking: true,
    outputs: z.object({ thing: z.string(), created: z.boolean() }),
    run: async (i) => ({ status: 'passed', message: 'made', outputs: (i.config.keepTestResources ? { thing: 7 } : { thing: 'a', created: true }) as never }),
    undo: { when: 'on-failure', startToCloseSeconds: 30, run: async (_i, recorded) => void made.push(recorded) },
  });

  test('what a step returns is checked against its schema: a mismatch fails, non-retryable, naming the field', async () => {
    await expect(stepRun(step)(input())).resolves.toMatchObject({ outputs: { thing: 'a', created: true } });
    const bad = { ...input(), config: { ...testConfig(), keepTestResources: true } };
    await expect(stepRun(step)(bad)).rejects.toMatchObject({ type: 'ValidationError', nonRetryable: true, message: expect.stringMatching(/step test\.step returned outputs .*thing: Expected string/) });
  });

  test('the undo gets what the step recorded, or nothing when it never passed or recorded something else', async () => {
    made.length = 0;
    await stepUndo(step)(input({ 'test.step': { thing: 'a', created: true } }));
    await stepUndo(step)(input());
    await stepUndo(step)(input({ 'test.step': { thing: 3 } }));
    expect(made).toEqual([{ thing: 'a', created: true }, undefined, undefined]);
  });
});
