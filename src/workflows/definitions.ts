// The integrateCluster workflow's contract: its input, query and updates. Shared by the workflow, the client and the
// CLI; pure so that it can be bundled into workflow code.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
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
  /** The steps of this run, chosen from the catalogue when the run starts: a running workflow never sees its
   *  catalogue change under it, which keeps replays deterministic across releases. */
  plan: StepDefinition[];
  /** Who started the run (for the report). */
  startedBy?: string;
}

export interface ApproveRequest {
  phase: PhaseId;
  by: string;
  comment?: string;
}

export interface RejectRequest {
  phase: PhaseId;
  by: string;
  reason: string;
}

export interface ResolveStepRequest {
  step: string;
  action: ResolveAction;
  by: string;
  comment?: string;
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
