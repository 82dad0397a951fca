// The worker: runs integrateCluster workflows and their step activities on one task queue. Workers scale out by
// running more of them on the same queue; Temporal spreads the work.
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { allActivities } from './activities';
import { resolveTemporalOptions, type TemporalOptions } from './client';
import { codecSetup } from './codec/data-converter';
import { type CodecOptions } from './codec/key-source';
import { prebuiltWorkflowBundle } from './workflow-bundle';

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
}

let runtimeInstalled = false;

/** Sets the worker's log level once per process (COZY_PROXMOX_LOG_LEVEL, default INFO; the demo uses WARN). */
export function installRuntime(level: LogLevel = (process.env.COZY_PROXMOX_LOG_LEVEL as LogLevel | undefined) ?? 'INFO'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // a runtime already exists in this process (tests install their own)
  }
}

export async function createWorker(settings: WorkerSettings = {}): Promise<{ worker: Worker; connection: NativeConnection }> {
  installRuntime();
  const opts = resolveTemporalOptions(settings);
  // Read the key before connecting: a bad key file is a configuration error, not a connection problem.
  const { dataConverter } = codecSetup(settings);
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    // Payload encryption when a codec key is configured (off by default); see src/codec.
    dataConverter,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: settings.activities ?? allActivities(),
    ...workflowCode(settings),
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions ?? 20,
    shutdownGraceTime: settings.shutdownGraceMs ?? 0,
  });
  return { worker, connection };
}

/** The bundle given, else the build's prebuilt one, else the workflow sources bundled now. */
function workflowCode(settings: WorkerSettings): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = settings.workflowBundle ?? prebuiltWorkflowBundle();
  return bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('./workflows') };
}

/**
 * Runs a worker until SIGINT/SIGTERM. The SDK's handlers stop polling at once; steps in flight get the grace time to
 * finish, then are cancelled.
 */
export async function runWorker(settings: WorkerSettings = {}): Promise<void> {
  const { worker, connection } = await createWorker(settings);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}
