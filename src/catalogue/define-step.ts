// One step, one definition: its place in the plan, its limits, the outputs later steps read (a schema), what it does
// and how it is undone. The catalogue, the plan a workflow receives and the worker's activity registration are all
// derived from these definitions, so nothing joins them by hand-written names.
import type { z } from 'zod';
import type { IntegrationConfig } from '../config/schema';
import type { PhaseId, TestStepGroup } from './phases';
import { CHECK_RETRY, UNDO_RETRY } from './retry-policies';
import type { Compensation, StepDefinition, StepInput, StepOutcome, StepRetry } from './types';

const CHECK_SECONDS = 60;

type Outputs = z.ZodObject<z.ZodRawShape>;
/** What a step with schema O records: its parsed outputs (nothing for a step without a schema). */
type Recorded<O extends Outputs | undefined> = O extends Outputs ? z.infer<O> : undefined;

export interface StepUndo<O extends Outputs | undefined> {
  /** `on-failure`: on reject/abort/cancel and when the step did not pass; `always`: also at the end of every run. */
  when: Compensation['when'];
  /** Its own limit, sized to the waits it makes (an undo waits for deletions). */
  startToCloseSeconds: number;
  retry?: StepRetry;
  /**
   * Safe whatever the step got to: it is registered before the step runs. `recorded` is what the step returned, read
   * with its schema, or undefined when it never passed (a marker on what it made tells the undo what is its own).
   */
  run: (input: StepInput, recorded: Recorded<O> | undefined) => Promise<void>;
}

export interface StepSpec<O extends Outputs | undefined> {
  /** Stable ID: progress, reports, `resolve --step`, the Temporal UI and the runbooks use it. */
  id: string;
  phase: PhaseId;
  group?: TestStepGroup;
  title: string;
  /** Steps that must pass (or be skipped) first; one that a run's plan leaves out does not hold the step back. */
  dependsOn?: readonly string[];
  /** A blocking step that fails for good stops the run until the operator resolves it; a non-blocking one warns. */
  blocking: boolean;
  /** Default 60 s (a check). */
  startToCloseSeconds?: number;
  heartbeatSeconds?: number;
  /** Default CHECK_RETRY. */
  retry?: StepRetry;
  /** The integrated component the step proves (the report's "integrated components"). */
  component?: string;
  /** In a run's plan only when this holds for its config (default: every run). */
  includedWhen?: (config: IntegrationConfig) => boolean;
  /** The outputs later steps and undos read; the worker checks what `run` returns against it. */
  outputs?: O;
  run: (input: StepInput) => Promise<StepOutcome>;
  undo?: StepUndo<O>;
}

export interface Step<O extends Outputs | undefined = Outputs | undefined> extends StepSpec<O> {
  /** The plain data a workflow receives for this step (activity names derived from the ID). */
  definition: StepDefinition;
}

/** The activity that performs a step: named after the step. */
export const stepActivityName = (id: string): string => id;
/** The activity that undoes a step. */
export const undoActivityName = (id: string): string => `${id}:undo`;

export function defineStep<O extends Outputs | undefined = undefined>(spec: StepSpec<O>): Step<O> {
  const definition: StepDefinition = {
    id: spec.id,
    phase: spec.phase,
    ...(spec.group ? { group: spec.group } : {}),
    title: spec.title,
    activity: stepActivityName(spec.id),
    ...(spec.dependsOn ? { dependsOn: [...spec.dependsOn] } : {}),
    blocking: spec.blocking,
    startToCloseSeconds: spec.startToCloseSeconds ?? CHECK_SECONDS,
    ...(spec.heartbeatSeconds ? { heartbeatSeconds: spec.heartbeatSeconds } : {}),
    retry: spec.retry ?? CHECK_RETRY,
    ...(spec.undo
      ? {
          compensation: {
            activity: undoActivityName(spec.id),
            when: spec.undo.when,
            startToCloseSeconds: spec.undo.startToCloseSeconds,
            retry: spec.undo.retry ?? UNDO_RETRY,
          },
        }
      : {}),
    ...(spec.component ? { component: spec.component } : {}),
  };
  return { ...spec, definition };
}

/**
 * The outputs a step recorded, typed by its schema; undefined when it has not passed yet (an undo runs whatever the
 * step got to) or recorded something else.
 */
export function outputsOf<O extends Outputs | undefined>(input: { outputs: Record<string, unknown> }, step: Step<O>): Recorded<O> | undefined {
  const raw = input.outputs[step.id];
  if (raw === undefined || !step.outputs) return undefined;
  const parsed = step.outputs.safeParse(raw);
  return parsed.success ? (parsed.data as Recorded<O>) : undefined;
}
