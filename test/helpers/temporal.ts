// Connects a suite to the run's shared Temporal dev server and starts workers on task queues of its own.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import type { StepActivity } from '../../src/catalogue/types';
import { createWorker } from '../../src/worker';
import { wrapStepActivities } from '../../src/activities/common/step-wrapper';
import type { CozyClient } from '../../src/client';
import type { WorkerPolicy } from '../../src/worker-policy/schema';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by another helper in this process
  }
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through jest (globalSetup starts the server)');
  return address;
}

export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress() });
}

export function uniqueQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A CozyClient over the test environment's connection (not closed by the suite: the env owns it). */
export function cozyClientFor(env: TestWorkflowEnvironment, taskQueue: string): CozyClient {
  return {
    client: env.client,
    options: { address: temporalAddress(), namespace: 'default', taskQueue },
    close: async () => undefined,
  };
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** Starts a worker with the given step activities (wrapped as the real worker wraps them) until stop(). */
/** `undoActivities`: the activities that are undos (compensations), wrapped as the worker wraps undos. */
export async function startTestWorker(
  taskQueue: string,
  activities: Record<string, StepActivity>,
  { undoActivities = [], ...settings }: { shutdownGraceMs?: number; undoActivities?: string[]; policy?: WorkerPolicy } = {},
): Promise<RunningWorker> {
  quietRuntime();
  const { worker, connection } = await createWorker({
    address: temporalAddress(),
    taskQueue,
    activities: wrapStepActivities(activities, new Set(undoActivities)),
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE as string },
    ...settings,
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
