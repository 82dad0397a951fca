// The integrateCluster workflow's contract: its input, query and updates. Shared by the workflow, the client and the
// CLI; pure so that it can be bundled into workflow code.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DecisionSignature } from '../approvals/decision';
import type { StepDefinition } from '../catalogue/types';
import type { IntegrationConfig } from '../config/schema';
import type { PhaseId } from '../catalogue/phases';
import type { GateProgress, Progress, ResolveAction, StepProgress } from '../report/progress';

export const WORKFLOW_TYPE = 'integrateCluster';
export const DEFAULT_TASK_QUEUE = 'cozy-proxmox';

export function defaultWorkflowId(cluster: string): string {
  return `integrate-cluster-${cluster}`;
}

export interface IntegrateClusterInput {
  /** Validated config; secrets appear only as references. */
  config: IntegrationConfig;
  /**
   * The steps of this run. Absent in runs started by this release's CLI and client: the worker builds the plan from
   * its own catalogue when the run starts (the `planRun` activity, recorded in the history). Given by runs
   * from earlier CLIs (and in the committed histories), and by tests that run a plan of their own: then it is used
   * as it is. Either way a running workflow never sees its plan change, which keeps replays deterministic.
   */
  plan?: StepDefinition[];
  /** Who started the run (for the report). */
  startedBy?: string;
}

// Decisions. `by` names who decides; with approvers listed in the worker's policy it must be proven by `signature`
// (src/approvals): the approver's key signs the request's fields with the run, a time and a nonce.
export interface ApproveRequest {
  phase: PhaseId;
  by: string;
  comment?: string;
  signature?: DecisionSignature;
}

export interface RejectRequest {
  phase: PhaseId;
  by: string;
  reason: string;
  signature?: DecisionSignature;
}

export interface ResolveStepRequest {
  step: string;
  action: ResolveAction;
  by: string;
  comment?: string;
  signature?: DecisionSignature;
}

export const progressQuery = defineQuery<Progress>('progress');
export const approveUpdate = defineUpdate<GateProgress, [ApproveRequest]>('approve');
export const rejectUpdate = defineUpdate<GateProgress, [RejectRequest]>('reject');
export const resolveStepUpdate = defineUpdate<StepProgress, [ResolveStepRequest]>('resolveStep');

/** Error types the workflow ends with, so scripts and the UI can tell outcomes apart. */
export const RUN_FAILURE_TYPES = {
  rejected: 'IntegrationRejected',
  aborted: 'IntegrationAborted',
  'gate-timeout': 'GateTimedOut',
  failed: 'IntegrationFailed',
} as const;
