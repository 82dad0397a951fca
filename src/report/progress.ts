// The progress model: what the `progress` query returns at any moment and what the final report renders.
// Pure types and functions: the workflow imports them, so no I/O here.
import type { PhaseId, TestStepGroup } from '../catalogue/phases';
import type { GatePolicy } from '../config/schema';

export type RunState = 'running' | 'awaiting-approval' | 'blocked-on-step' | 'completed' | 'failed' | 'cancelled';
/** Why a run ended; absent while it runs. */
export type RunOutcome = 'succeeded' | 'rejected' | 'aborted' | 'gate-timeout' | 'cancelled' | 'failed';

export type StepState = 'pending' | 'running' | 'passed' | 'warning' | 'failed' | 'blocked' | 'skipped';
export type PhaseState = 'pending' | 'running' | 'passed' | 'warning' | 'failed' | 'skipped';
export type GateState = 'pending' | 'open' | 'approved' | 'rejected' | 'timed-out';
export type ResolveAction = 'retry' | 'skip' | 'abort';

export interface StepProgress {
  id: string;
  phase: PhaseId;
  group?: TestStepGroup;
  title: string;
  blocking: boolean;
  component?: string;
  state: StepState;
  /** Activity attempts over all executions (Temporal retries included). */
  attempts: number;
  /** Times the step was started: 1, plus one per `resolveStep retry`. */
  executions: number;
  startedAt?: number;
  finishedAt?: number;
  durationMs: number;
  message?: string;
  details?: string[];
  failureType?: string;
  metrics?: Record<string, number>;
  simulated?: boolean;
  /** Why a check of the step could not be carried out (the step is then a warning, its test step not verified). */
  notVerified?: string;
  /** While running: what its activity last reported (heartbeat), added by the client from the server's view. */
  live?: string;
  /** The step failed at least once during this run (an issue found); if it then passed, the issue was fixed. */
  failedOnce: boolean;
  resolutions: { action: ResolveAction; by: string; at: number; comment?: string; keyFingerprint?: string }[];
}

export interface GateProgress {
  phase: PhaseId;
  policy: GatePolicy;
  state: GateState;
  /** How the gate was passed: by a person, or automatically by its policy. */
  decision?: 'manual' | 'auto';
  openedAt?: number;
  decidedAt?: number;
  by?: string;
  /** The fingerprint of the key that signed the decision (SHA256:..., as `ssh-keygen -l` shows it). */
  keyFingerprint?: string;
  comment?: string;
  reason?: string;
  timeoutMs?: number;
}

export interface PhaseProgress {
  id: PhaseId;
  title: string;
  state: PhaseState;
  startedAt?: number;
  finishedAt?: number;
  durationMs: number;
}

export interface CompensationProgress {
  stepId: string;
  activity: string;
  state: 'done' | 'failed';
  message?: string;
  at: number;
}

export type GroupResult = 'passed' | 'failed' | 'not-verified' | 'incomplete' | 'not-planned';

export interface PlanMetrics {
  testsTotal: number;
  testsCompleted: number;
  passed: number;
  warnings: number;
  failed: number;
  skipped: number;
  /** Percentage of completed steps that passed (warnings count as passed). */
  successRate: number;
  issuesFound: number;
  issuesFixed: number;
  executionMs: number;
  phaseMs: Partial<Record<PhaseId, number>>;
  integratedComponents: string[];
  /** Percentage of the success criteria met. */
  productionReadiness: number;
}

export interface SuccessCriteria {
  testSteps: Record<TestStepGroup, GroupResult>;
  allTestStepsPass: boolean;
  successRateAbove95: boolean;
  met: boolean;
}

export interface Progress {
  workflowId: string;
  cluster: string;
  state: RunState;
  outcome?: RunOutcome;
  outcomeMessage?: string;
  currentPhase?: PhaseId;
  currentSteps: string[];
  startedAt: number;
  finishedAt?: number;
  /** The simulated target the run's config names, if any (the reports mark its steps as simulated). */
  simulatedTarget?: string;
  /** Who may decide at the gates and on blocked steps: the worker's listed approvers, or anyone (none listed). Absent
   *  in runs from before signed decisions (they accept anyone). */
  decisions?: { mode: 'signed' | 'anyone'; source: string; approvers: { name: string; fingerprint: string }[] };
  /** The release whose worker built the plan (absent when the plan came with the run's input). */
  plannedBy?: string;
  phases: PhaseProgress[];
  steps: StepProgress[];
  gates: GateProgress[];
  compensations: CompensationProgress[];
  metrics: PlanMetrics;
  criteria: SuccessCriteria;
}
