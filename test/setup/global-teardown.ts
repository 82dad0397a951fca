import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningControlPlane } from '../../src/sandbox/kubernetes/control-plane';

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const plane = g.__controlPlane as RunningControlPlane | undefined;
  const env = g.__temporalEnv as TestWorkflowEnvironment | undefined;
  const pids = plane?.components().map((c) => c.pid) ?? [];
  await plane?.stop();
  await env?.teardown();
  // The control plane must leave no process behind.
  const left = pids.filter(exists);
  if (left.length > 0) throw new Error(`the test control plane left processes running: ${left.join(', ')}`);
  process.stdout.write(`\ncontrol plane stopped: ${pids.length} component processes, none left\n`);
}
