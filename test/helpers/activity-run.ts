// Runs a step activity in a mock activity context (heartbeats recorded), or expects it to fail.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ApplicationFailure } from '@temporalio/common';
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
