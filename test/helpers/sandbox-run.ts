// Pieces for tests that drive whole runs against a sandbox: a worker as a separate process that can be killed, the
// simulator's state and faults through its admin endpoint, and waiting for a step to be running.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import axios from 'axios';
import { join } from 'node:path';
import { getProgress, type CozyClient } from '../../src/client';
import type { Progress } from '../../src/report/progress';
import type { SandboxState } from '../../src/sandbox/sandbox';
import { REPO_ROOT } from './cli';
import { waitFor } from './wait';

/** Starts `cozy-proxmox worker` against the sandbox's Temporal, logging to a file (appended across restarts). */
export function spawnWorker(state: SandboxState, logFile: string, taskQueue = 'cozy-proxmox'): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cozy-proxmox.js'), 'worker', '--address', state.temporal.address, '--task-queue', taskQueue], {
    stdio: ['ignore', out, out],
    env: { ...process.env, COZY_PROXMOX_LOG_LEVEL: 'WARN' },
  });
}

/** SIGKILL, as a crash or an OOM kill would end it: no graceful shutdown, activities cut off mid-flight. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

function simulatorHttp(state: SandboxState) {
  return axios.create({ baseURL: state.proxmox.url, httpsAgent: new Agent({ ca: readFileSync(state.proxmox.caFile) }), timeout: 10_000 });
}

export interface SimulatorSnapshot {
  vms: { vmid: number; node: string; status: string; config: Record<string, unknown> }[];
  nodes: { name: string; storages: { id: string; volumes: { volid: string; size: number; vmid?: number }[] }[] }[];
  tasks: { upid: string; type: string; id: string; status: string; exitstatus?: string }[];
}

export async function simulatorSnapshot(state: SandboxState): Promise<SimulatorSnapshot> {
  return (await simulatorHttp(state).get('/_sim/state')).data as SimulatorSnapshot;
}

export async function setSimulatorFaults(state: SandboxState, faults: Record<string, unknown>): Promise<void> {
  await simulatorHttp(state).put('/_sim/faults', JSON.stringify(faults), { headers: { 'content-type': 'application/json' } });
}

export async function clearSimulatorFaults(state: SandboxState): Promise<void> {
  await simulatorHttp(state).delete('/_sim/faults');
}

/** Resolves once the step is running (or has already moved on, when `orLater`). */
export async function waitForStep(cozy: CozyClient, workflowId: string, stepId: string, timeoutMs = 300_000): Promise<Progress> {
  return waitFor(
    () => getProgress(cozy, workflowId),
    (p) => p.steps.some((s) => s.id === stepId && s.state === 'running') || p.state !== 'running' && p.state !== 'awaiting-approval',
    `step ${stepId} running in ${workflowId}`,
    timeoutMs,
    100,
  );
}
