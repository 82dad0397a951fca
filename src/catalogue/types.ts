// What a step is, what an activity receives and what it returns. Pure types shared by workflow and activities.
import type { PhaseId, TestStepGroup } from './phases';
import type { IntegrationConfig } from '../config/schema';

export interface StepRetry {
  maximumAttempts: number;
  initialIntervalSeconds: number;
  backoffCoefficient?: number;
  maximumIntervalSeconds?: number;
}

export interface StepDefinition {
  /** Stable ID: appears in progress, reports, the CLI (`resolve --step`), the UI and the runbooks. */
  id: string;
  phase: PhaseId;
  /** The plan's test step this check belongs to, when it belongs to one. */
  group?: TestStepGroup;
  title: string;
  /** Name of the activity that performs the step. */
  activity: string;
  /** Steps of the same phase that must pass (or be skipped) first; the others of a phase run in parallel. */
  dependsOn?: string[];
  /** A blocking step that fails for good stops the run until the operator resolves it; a non-blocking one warns. */
  blocking: boolean;
  startToCloseSeconds: number;
  heartbeatSeconds?: number;
  retry: StepRetry;
  /**
   * Undoes what the step made, registered before the step runs, so it must be safe whatever the step got to.
   * `on-failure`: on reject/abort/cancel, and at the end of a run in which the step did not pass; `always`: also at
   * the end of every run (test resources).
   */
  compensation?: Compensation;
  /** The integrated component this step proves, counted in the report's "integrated components". */
  component?: string;
}

export interface Compensation {
  activity: string;
  when: 'on-failure' | 'always';
  /** The undo's own limit and retries (plans recorded before they existed have none: the step's are used). */
  startToCloseSeconds?: number;
  retry?: StepRetry;
}

/** A run's plan as a worker built it (the `planRun` activity), with the release whose catalogue chose it. */
export interface PlannedRun {
  /** package.json version of the worker that built the plan. */
  release: string;
  steps: StepDefinition[];
}

/** What every step activity receives. The config holds secret references only. */
export interface StepInput {
  stepId: string;
  workflowId: string;
  config: IntegrationConfig;
  /** Outputs of the steps that already passed, by step ID (small values only: IDs, names, numbers). */
  outputs: Record<string, StepOutputs>;
}

export type StepOutputs = Record<string, string | number | boolean>;

export type StepStatusOnSuccess = 'passed' | 'warning' | 'skipped';

/** What a step activity returns when it finishes; a failure is thrown as an ApplicationFailure instead. */
export interface StepOutcome {
  status: StepStatusOnSuccess;
  message: string;
  details?: string[];
  /** Figures for the report (latencies in ms, sizes, counts). */
  metrics?: Record<string, number>;
  outputs?: StepOutputs;
  /**
   * Set when a check of the step could not be carried out (the reason): the step's status is then `warning`, and its
   * test step counts as not verified in the success criteria, never as passed.
   */
  notVerified?: string;
}

export type StepActivity = (input: StepInput) => Promise<StepOutcome>;
export type CompensationActivity = (input: StepInput) => Promise<void>;
