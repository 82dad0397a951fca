// The worker: runs integrateCluster workflows and their step activities on one task queue. Workers scale out by
// running more of them on the same queue; Temporal spreads the work.
import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { allActivities } from './activities';
import { approvalActivities } from './activities/approvals/trusted-approvers';
import { PLAN_ACTIVITIES } from './activities/plan/plan-run';
import { resolveTemporalOptions, type TemporalOptions } from './client';
import { codecSetup } from './codec/data-converter';
import { type CodecOptions } from './codec/key-source';
import { scopeActivities } from './worker-policy/context';
import type { WorkerPolicy } from './worker-policy/schema';
import { prebuiltWorkflowBundle } from './workflow-bundle';
import { startHealthServer } from './worker-health';
import { temporalTls } from './temporal-tls';

export interface WorkerSettings extends TemporalOptions, CodecOptions {
  /** Step activities by name; defaults to the whole catalogue's. */
  activities?: WorkerOptions['activities'];
  /** A prebuilt workflow bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivityTaskExecutions?: number;
  /**
   * How long a stopping worker lets the steps in flight finish before it cancels them (their attempt then fails and
   * Temporal runs it again on another worker). Default 0: cancel at once; `cozy-proxmox worker` defaults to 60s.
   */
  shutdownGraceMs?: number;
  /**
   * The worker's own policy (src/worker-policy): which secret references its steps may resolve and which hosts they
   * may call. Without one (or without its allow section) everything a run names is allowed, and the worker says so
   * once at start. Every activity registered runs under it (the catalogue's, or the ones given).
   */
  policy?: WorkerPolicy;
}

let runtimeInstalled = false;

/**
 * Sets up the process's Temporal runtime once: the log level (COZY_PROXMOX_LOG_LEVEL, default INFO; the demo uses
 * WARN) and, with `metricsAddress` (HOST:PORT), the SDK's Prometheus endpoint at http://HOST:PORT/metrics: task slots
 * used and available, schedule-to-start and execution latencies, failed activities and workflow tasks, requests to
 * the server. One runtime per process, so the first call decides.
 */
export function installRuntime(
  level: LogLevel = (process.env.COZY_PROXMOX_LOG_LEVEL as LogLevel | undefined) ?? 'INFO',
  metricsAddress?: string,
): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      // Durations in seconds, Prometheus's base unit (the SDK's default is milliseconds), as the dashboard reads them.
      ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress, useSecondsForDurations: true } } } } : {}),
    });
  } catch (err) {
    // A runtime already exists in this process (tests install their own); anything else (the metrics address in
    // use, say) is the caller's to see.
    if (!(err instanceof IllegalStateError)) throw err;
  }
}

export async function createWorker(settings: WorkerSettings = {}): Promise<{ worker: Worker; connection: NativeConnection }> {
  installRuntime();
  const opts = resolveTemporalOptions(settings);
  // Read the key before connecting: a bad key file is a configuration error, not a connection problem.
  const { dataConverter, keyring } = codecSetup(settings);
  const tls = temporalTls(settings.tls);
  if (!settings.policy?.allow) {
    // INFO, the worker's default level: shown to an operator, not in the tests' WARN-level output.
    Runtime.instance().logger.info(
      'worker policy: no allow-list (--policy FILE with an allow section): steps resolve any secret reference and call any host a run names',
    );
  }
  const connection = await NativeConnection.connect({ address: opts.address, tls });
  const worker = await Worker.create({
    connection,
    // Payload encryption when a codec key is configured (off by default); see src/codec.
    dataConverter,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    // Every worker plans runs (the planRun activity) and says whom it trusts to decide (trustedApprovers),
    // whatever step activities it is given.
    // Each runs under the worker policy's scope (src/worker-policy/context.ts): the secret resolver and the client
    // factories check against it, and workerApprovers() reads it.
    activities: scopeActivities(settings.policy, {
      ...(settings.activities ?? allActivities()),
      ...PLAN_ACTIVITIES,
      ...approvalActivities(settings.policy),
    }),
    ...workflowCode(settings, keyring !== undefined),
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions ?? 20,
    shutdownGraceTime: settings.shutdownGraceMs ?? 0,
  });
  return { worker, connection };
}

/**
 * The bundle given, else the build's prebuilt one, else the workflow sources bundled now (the SDK then bundles the
 * data converter's failureConverterPath in). With the codec on, the workflow code must encode its failures as the
 * worker does, and that converter is compiled into a bundle: the build writes a second bundle for that case, and a
 * bundle given by the caller must be one made with bundleWorkflows({ encodeFailures: true }).
 */
function workflowCode(settings: WorkerSettings, encodeFailures: boolean): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = settings.workflowBundle ?? prebuiltWorkflowBundle(encodeFailures);
  return bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('./workflows') };
}

/**
 * Runs a worker until SIGINT/SIGTERM. The SDK's handlers stop polling at once; steps in flight get the grace time to
 * finish, then are cancelled. With `healthAddress`, the probes of worker-health.ts are served while it runs.
 */
export async function runWorker(settings: WorkerSettings = {}, opts: { healthAddress?: string; onHealthServed?: (url: string) => void } = {}): Promise<void> {
  let worker: Worker | undefined;
  // Served first: a taken address stops the worker before it connects, and a starting worker is alive, not ready.
  const health = opts.healthAddress ? await startHealthServer(opts.healthAddress, () => worker?.getState() ?? 'INITIALIZED') : undefined;
  if (health) opts.onHealthServed?.(health.url);
  try {
    const created = await createWorker(settings);
    worker = created.worker;
    try {
      await worker.run();
    } finally {
      await created.connection.close();
    }
  } finally {
    await health?.close();
  }
}
