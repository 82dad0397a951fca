// Temporal client side of cozy-proxmox: start a run, read its progress and report, approve, reject, resolve, cancel,
// list. Used by the CLI and by anything that wants to drive the service from code.
import {
  Client,
  Connection,
  QueryRejectedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import type { StepDefinition } from './catalogue/types';
import { codecSetup } from './codec/data-converter';
import { findCodecError } from './codec/errors';
import { type CodecOptions } from './codec/key-source';
import type { IntegrationConfig } from './config/schema';
import {
  approveUpdate,
  DEFAULT_TASK_QUEUE,
  defaultWorkflowId,
  progressQuery,
  rejectUpdate,
  resolveStepUpdate,
  WORKFLOW_TYPE,
  type ApproveRequest,
  type IntegrateClusterInput,
  type RejectRequest,
  type ResolveStepRequest,
} from './workflows/definitions';
import type { GateProgress, Progress, StepProgress } from './report/progress';
import { withLiveActivity, type PendingActivity } from './report/live-activity';
import { CATALOGUE } from './catalogue';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { CLUSTER_KEY, PHASE_KEY, STATE_KEY } from './workflows/search-attributes';
import { temporalTls, type TemporalTlsOptions } from './temporal-tls';

export interface TemporalOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** TLS to the frontend (src/temporal-tls.ts); the TEMPORAL_TLS_* environment when not given. */
  tls?: TemporalTlsOptions;
}

export function resolveTemporalOptions(opts: TemporalOptions = {}): Required<Omit<TemporalOptions, 'tls'>> {
  return {
    address: opts.address ?? process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: opts.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  };
}

// The Temporal errors the CLI tells apart, for callers that load this module lazily.
export { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';

/** A connected client; close() releases the connection. */
export interface CozyClient {
  client: Client;
  options: Required<Omit<TemporalOptions, 'tls'>>;
  close(): Promise<void>;
}

export async function connectClient(opts: TemporalOptions & CodecOptions = {}): Promise<CozyClient> {
  const options = resolveTemporalOptions(opts);
  // The same codec as the workers: without the key, encrypted runs cannot be read (and say so).
  const { dataConverter } = codecSetup(opts);
  const connection = await Connection.connect({ address: options.address, connectTimeout: '5s', tls: temporalTls(opts.tls) });
  const client = new Client({ connection, namespace: options.namespace, dataConverter });
  return { client, options, close: () => connection.close() };
}

/** A request rejected by the workflow (a validator, or a failed run), as opposed to a transport problem. */
export class RequestRejectedError extends Error {}

export async function startIntegration(
  cozy: CozyClient,
  /** `plan`: only for a plan of the caller's own (tests); without it the worker plans the run from its catalogue. */
  args: { config: IntegrationConfig; plan?: StepDefinition[]; workflowId?: string; startedBy?: string },
): Promise<string> {
  const workflowId = args.workflowId ?? defaultWorkflowId(args.config.cluster.name);
  const input: IntegrateClusterInput = { config: args.config, ...(args.plan ? { plan: args.plan } : {}), startedBy: args.startedBy };
  await cozy.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: cozy.options.taskQueue,
    workflowId,
    args: [input],
    // One run per cluster at a time: a second start while one runs is refused, a finished one may be run again.
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: new TypedSearchAttributes([
      { key: CLUSTER_KEY, value: args.config.cluster.name },
      { key: PHASE_KEY, value: 'none' },
      { key: STATE_KEY, value: 'running' },
    ]),
    staticSummary: `Integrate Proxmox ${args.config.proxmox.node} with cluster ${args.config.cluster.name}${args.config.simulatedTarget ? ` (${args.config.simulatedTarget})` : ''}`,
  });
  return workflowId;
}

/** Progress of a run: the workflow's own answer while it runs, its result or failure details once it ended. */
export async function getProgress(cozy: CozyClient, workflowId: string): Promise<Progress> {
  const handle = cozy.client.workflow.getHandle(workflowId);
  const desc = await handle.describe();
  if (desc.status.name !== 'RUNNING') {
    const final = await finalProgress(cozy, workflowId);
    if (final) return final;
  }
  const progress = await queryProgress(handle, cozy.options.taskQueue);
  return withLiveActivity(progress, ACTIVITY_OF_STEP, await pendingActivities(cozy, desc.raw.pendingActivities ?? []));
}

const ACTIVITY_OF_STEP: Record<string, string> = Object.fromEntries(CATALOGUE.map((s) => [s.id, s.activity]));

type RawPending = NonNullable<Awaited<ReturnType<ReturnType<CozyClient['client']['workflow']['getHandle']>['describe']>>['raw']['pendingActivities']>[number];

/** The server's view of the run's running activities, with each one's last heartbeat decoded. */
async function pendingActivities(cozy: CozyClient, raw: RawPending[]): Promise<PendingActivity[]> {
  const out: PendingActivity[] = [];
  for (const p of raw) {
    let detail: unknown;
    try {
      const payloads = p.heartbeatDetails?.payloads;
      if (payloads && payloads.length > 0) detail = await decodeFromPayloadsAtIndex(cozy.client.options.loadedDataConverter, 0, payloads);
    } catch {
      detail = undefined; // an undecodable heartbeat (another codec key) only loses the live line
    }
    out.push({ activityType: p.activityType?.name ?? '', attempt: p.attempt ?? 1, detail, lastFailure: p.lastFailure?.message ?? undefined });
  }
  return out;
}

/** A running workflow's progress can only be read through a worker; none answered. */
export class QueryNotAnsweredError extends Error {}

async function queryProgress(handle: ReturnType<Client['workflow']['getHandle']>, taskQueue: string): Promise<Progress> {
  try {
    return await handle.query(progressQuery);
  } catch (err) {
    if (err instanceof QueryRejectedError) throw err;
    // The worker answered, but its answer cannot be decoded here (no key, or the wrong one).
    const codecError = findCodecError(err);
    if (codecError) throw codecError;
    throw new QueryNotAnsweredError(
      `no worker answered for ${handle.workflowId} (${(err as Error).message}); is a worker polling task queue ${taskQueue}? start one with: cozy-proxmox worker`,
    );
  }
}

/** The report of an ended run, read from history (no worker needed); undefined while it runs. */
export async function finalProgress(cozy: CozyClient, workflowId: string): Promise<Progress | undefined> {
  const handle = cozy.client.workflow.getHandle(workflowId);
  try {
    return (await handle.result()) as Progress;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      let cause: unknown = err.cause;
      while (cause) {
        if (cause instanceof ApplicationFailure && cause.details?.[0]) return cause.details[0] as Progress;
        cause = (cause as { cause?: unknown }).cause;
      }
      // Cancelled runs carry no details: ask the workflow (needs a worker).
      return queryProgress(handle, cozy.options.taskQueue);
    }
    throw err;
  }
}

async function update<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new RequestRejectedError(err.cause?.message ?? err.message);
    }
    throw err;
  }
}

export function approvePhase(cozy: CozyClient, workflowId: string, req: ApproveRequest): Promise<GateProgress> {
  return update(() => cozy.client.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [req] }));
}

export function rejectPhase(cozy: CozyClient, workflowId: string, req: RejectRequest): Promise<GateProgress> {
  return update(() => cozy.client.workflow.getHandle(workflowId).executeUpdate(rejectUpdate, { args: [req] }));
}

export function resolveStep(cozy: CozyClient, workflowId: string, req: ResolveStepRequest): Promise<StepProgress> {
  return update(() => cozy.client.workflow.getHandle(workflowId).executeUpdate(resolveStepUpdate, { args: [req] }));
}

export async function cancelRun(cozy: CozyClient, workflowId: string): Promise<void> {
  await cozy.client.workflow.getHandle(workflowId).cancel();
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  status: string;
  cluster?: string;
  phase?: string;
  state?: string;
  startTime: string;
  closeTime?: string;
}

export async function listRuns(cozy: CozyClient, limit = 50): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for await (const wf of cozy.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}'` })) {
    out.push(summarise(wf));
    if (out.length >= limit) break;
  }
  return out;
}

function summarise(wf: WorkflowExecutionInfo): RunSummary {
  const sa = wf.typedSearchAttributes;
  return {
    workflowId: wf.workflowId,
    runId: wf.runId,
    status: wf.status.name,
    cluster: sa.get(CLUSTER_KEY),
    phase: sa.get(PHASE_KEY),
    state: sa.get(STATE_KEY),
    startTime: wf.startTime.toISOString(),
    closeTime: wf.closeTime?.toISOString(),
  };
}
