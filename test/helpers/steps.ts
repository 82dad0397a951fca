// A catalogue step's run or undo, by step ID, as the worker calls it before wrapping: the run's outputs checked
// against its schema, the undo given what the step recorded in the input's outputs.
import { stepRun, stepUndo } from '../../src/activities';
import { buildPlan, CATALOGUE, stepById } from '../../src/catalogue';
import type { Step } from '../../src/catalogue/define-step';
import type { StepDefinition, StepInput, StepOutcome } from '../../src/catalogue/types';
import type { IntegrationConfig } from '../../src/config/schema';

function step(id: string): Step {
  const found = stepById(id);
  if (!found) throw new Error(`no step ${id} in the catalogue`);
  return found;
}

export function runOf(id: string): (input: StepInput) => Promise<StepOutcome> {
  return stepRun(step(id));
}

export function undoOf(id: string): (input: StepInput) => Promise<void> {
  return stepUndo(step(id));
}

/** The catalogue's steps whose IDs start with one of `prefixes` ("step3.", "capi."), in catalogue order. */
export function catalogueSteps(...prefixes: string[]): StepDefinition[] {
  return CATALOGUE.filter((s) => prefixes.some((p) => s.id.startsWith(p)));
}

/** The plan of a run for this config, cut to the steps whose IDs start with one of `prefixes`. */
export function planOf(config: IntegrationConfig, ...prefixes: string[]): StepDefinition[] {
  return buildPlan(config).filter((s) => prefixes.some((p) => s.id.startsWith(p)));
}
