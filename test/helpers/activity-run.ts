// Runs a step activity in a mock activity context (heartbeats recorded), expects it to fail, or cancels it mid-way.
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import { wrapStepActivity } from '../../src/activities/common/step-wrapper';
import { waitFor } from './wait';
import type { StepInput, StepOutcome } from '../../src/catalogue/types';

export async function runActivity(fn: (i: StepInput) => Promise<StepOutcome | void>, i: StepInput): Promise<{ result: StepOutcome; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const value: unknown = await env.run(fn, i);
  return { result: value as StepOutcome, heartbeats };
}

export async function activityFailure(fn: (i: StepInput) => Promise<unknown>, i: StepInput): Promise<ApplicationFailure> {
  try {
    await new MockActivityEnvironment().run(fn, i);
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error(`${i.stepId} was expected to fail`);
}

/**
 * A step cancelled in its middle, then undone, both wrapped as the worker wraps them: runs the step, cancels it once
 * `started` holds (what the step has made so far), expects it to end as cancelled, then runs the undo with the
 * outputs of the steps before it but none of its own (it never passed).
 */
export async function cancelMidStepThenUndo(
  step: (i: StepInput) => Promise<StepOutcome | void>,
  undo: (i: StepInput) => Promise<StepOutcome | void>,
  input: StepInput,
  started: () => Promise<boolean>,
): Promise<void> {
  const env = new MockActivityEnvironment();
  const running = env.run(wrapStepActivity(step), input).catch((e: unknown) => e);
  await waitFor(started, Boolean, `${input.stepId} to have started making things`, 60_000, 20);
  env.cancel();
  const ended = await running;
  if (!(ended instanceof CancelledFailure)) throw new Error(`${input.stepId} was expected to end cancelled, it ended with ${JSON.stringify(ended)}`);
  const { [input.stepId]: _own, ...before } = input.outputs;
  await new MockActivityEnvironment().run(wrapStepActivity(undo, 'undo'), { ...input, outputs: before });
}
