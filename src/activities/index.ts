// The worker's activities, derived from the step catalogue: each step's `run` under its activity name, each undo
// under its own, and the names earlier versions used (former-names.ts), all wrapped the same way.
import { STEPS } from '../catalogue';
import { outputsOf, type Step } from '../catalogue/define-step';
import type { StepActivity, StepInput, StepOutcome } from '../catalogue/types';
import { realClientFactories, type ClientFactories } from './common/clients';
import { fail, FailureType } from './common/failures';
import { wrapStepActivity } from './common/step-wrapper';
import { FORMER_ACTIVITY_NAMES } from './former-names';

/**
 * A step's `run` as the worker calls it: the outputs it returns must match its schema, since later steps and its
 * undo read them with it (a mismatch is a defect of the step, not something another attempt fixes).
 */
export function stepRun(step: Step): (input: StepInput) => Promise<StepOutcome> {
  const run = async (input: StepInput): Promise<StepOutcome> => {
    const outcome = await step.run(input);
    if (step.outputs && outcome.outputs) {
      const parsed = step.outputs.safeParse(outcome.outputs);
      if (!parsed.success) {
        throw fail(FailureType.Validation, `step ${step.id} returned outputs its readers cannot read: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
    }
    return outcome;
  };
  Object.defineProperty(run, 'name', { value: step.definition.activity });
  return run;
}

/** A step's undo as the worker calls it: with what the step recorded, read with its schema (or nothing). */
export function stepUndo(step: Step): (input: StepInput) => Promise<void> {
  const undo = step.undo;
  if (!undo) throw new Error(`step ${step.id} has no undo`);
  const run = (input: StepInput): Promise<void> => undo.run(input, outputsOf(input, step));
  Object.defineProperty(run, 'name', { value: step.definition.compensation!.activity });
  return run;
}

/** Every activity, wrapped, reaching its systems through `clients` (made once per worker). */
export function allActivities(clients: ClientFactories = realClientFactories()): Record<string, StepActivity> {
  const acts: Record<string, StepActivity> = {};
  for (const step of STEPS) {
    acts[step.definition.activity] = wrapStepActivity(stepRun(step), 'step', clients);
    if (step.undo) acts[step.definition.compensation!.activity] = wrapStepActivity(stepUndo(step), 'undo', clients);
  }
  for (const [former, now] of Object.entries(FORMER_ACTIVITY_NAMES)) acts[former] = acts[now];
  return acts;
}
