import { readFileSync, readdirSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningControlPlane } from '../../packages/sandbox/src/kubernetes/control-plane';
import { isAlive } from '../../packages/sandbox/src/processes';


/** Child processes of this (jest's) process that are still running, with their command lines. */
function childProcesses(): Array<{ pid: number; command: string }> {
  const pids = new Set<number>();
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const text = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim();
    for (const pid of text.split(/\s+/).filter(Boolean)) pids.add(Number(pid));
  }
  return [...pids].filter(isAlive).map((pid) => {
    let command = '?';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      // gone meanwhile
    }
    return { pid, command };
  });
}

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const plane = g.__controlPlane as RunningControlPlane | undefined;
  const env = g.__temporalEnv as TestWorkflowEnvironment | undefined;
  const pids = plane?.components().map((c) => c.pid) ?? [];
  await plane?.stop();
  await env?.teardown();
  // The control plane must leave no process behind.
  const left = pids.filter(isAlive);
  if (left.length > 0) throw new Error(`the test control plane left processes running: ${left.join(', ')}`);
  process.stdout.write(`\ncontrol plane stopped: ${pids.length} component processes, none left\n`);
  // Nor may a suite: a child still running keeps jest from exiting. Name it, stop it, and fail the run.
  const leaked = childProcesses().filter((c) => c.command !== '?');
  if (leaked.length > 0) {
    for (const c of leaked) process.kill(c.pid, 'SIGKILL');
    throw new Error(`suites left ${leaked.length} child processes running (now killed):\n${leaked.map((c) => `  ${c.pid} ${c.command}`).join('\n')}`);
  }
}
