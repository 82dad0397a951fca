// Records this release's replay corpus: four full four-phase runs against a sandbox of their own, each one's history
// written to test/histories/<release>/<kind>.json (release: package.json's version), where test/replay replays it
// with every later release's workflow code.
//
//   bash scripts/record-histories.sh [--dir <sandbox dir>] [--only <kind,...>] [--keep-sandbox] [--with-vms]
//
//   finished                      auto-approved, every phase, ends completed
//   waiting-at-gate               manual gates: basic-integration approved, recorded while advanced-integration's waits
//   blocked-on-step               Prometheus points at a closed loopback port: recorded while step7.prometheus-targets
//                                 (monitoring-security) waits for `resolve`, then aborted
//   cancelled-with-compensation   cancelled while advanced-integration's steps run; recorded once its undos ran and it
//                                 ended
//
// Runs are started, approved, resolved and cancelled with this checkout's CLI (bin/cozy-proxmox.js), as an operator
// would; the worker is the sandbox's, from this build. step3-vm-management is left out unless --with-vms (it adds
// minutes and no workflow path of its own). Every history is replayed with this build's workflow code before the
// script ends. Exit 0 only if all asked for were recorded and replay.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { parse, stringify } from 'yaml';
import { connectClient, getProgress, type CozyClient } from '../../../src/client';
import { packageRoot } from '../../../src/package-root';
import { releaseVersion } from '../../../src/release';
import type { Progress } from '../../../src/report/progress';
import { toolPath } from '../../../src/tools/tool-paths';
import { prebuiltWorkflowBundle } from '../../../src/workflow-bundle';
import { freePort } from './processes';
import { sandboxDown, sandboxUp, type SandboxState } from './sandbox';
import { sandboxApproverKeyFile } from './worker-policy';
import { SIGNING_KEY_ENV } from '../../../src/cli/commands/run-commands';

const run = promisify(execFile);

export const KINDS = ['finished', 'waiting-at-gate', 'blocked-on-step', 'cancelled-with-compensation'] as const;
type Kind = (typeof KINDS)[number];

const RUN_TIMEOUT_MS = 15 * 60_000;

const say = (m: string) => process.stderr.write(`==> ${m}\n`);

class RecordError extends Error {}

interface Options {
  dir: string;
  only: Kind[];
  keepSandbox: boolean;
  withVms: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    dir: process.env.COZY_PROXMOX_RECORD_SANDBOX_DIR ?? '/tmp/cozy-proxmox-record-sandbox',
    only: [...KINDS],
    keepSandbox: false,
    withVms: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new RecordError(`${a} needs a value`);
      return v;
    };
    if (a === '--dir') opts.dir = value();
    else if (a === '--keep-sandbox') opts.keepSandbox = true;
    else if (a === '--with-vms') opts.withVms = true;
    else if (a === '--only') {
      const kinds = value().split(',');
      const unknown = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
      if (unknown.length > 0) throw new RecordError(`--only: unknown kind ${unknown.join(', ')} (kinds: ${KINDS.join(', ')})`);
      opts.only = kinds as Kind[];
    } else throw new RecordError(`unknown argument ${a} (see the header of packages/sandbox/src/record-histories.ts)`);
  }
  return opts;
}

/** This checkout's CLI against the sandbox's Temporal; its stdout, or an error with its stderr. */
async function cli(state: SandboxState, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [join(packageRoot(), 'bin', 'cozy-proxmox.js'), ...args], {
      // Decisions are signed with the sandbox user's key, which the sandbox worker's policy lists.
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: state.temporal.address,
        TEMPORAL_NAMESPACE: state.temporal.namespace,
        [SIGNING_KEY_ENV]: sandboxApproverKeyFile(state.dir),
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new RecordError(`cozy-proxmox ${args.slice(0, 2).join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

function describeProgress(p: Progress): string {
  const open = p.gates.find((g) => g.state === 'open');
  return `state ${p.state}, phase ${p.currentPhase ?? 'none'}${open ? `, gate ${open.phase} open` : ''}${p.currentSteps.length > 0 ? `, steps ${p.currentSteps.join(' ')}` : ''}`;
}

/** Polls the run's progress until `done` holds; fails with what the run was doing instead. */
async function waitFor(cozy: CozyClient, id: string, what: string, done: (p: Progress) => boolean, ended?: (p: Progress) => boolean): Promise<Progress> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let last = '';
  for (;;) {
    let p: Progress | undefined;
    try {
      p = await getProgress(cozy, id);
    } catch (err) {
      last = `progress not readable: ${(err as Error).message}`;
    }
    if (p) {
      if (done(p)) return p;
      const now = describeProgress(p);
      if (now !== last) say(`  ${id}: ${now}`);
      last = now;
      if ((ended ?? (() => p.state !== 'running' && p.state !== 'awaiting-approval' && p.state !== 'blocked-on-step'))(p)) {
        throw new RecordError(`${id} ended before ${what}: ${p.state} (${p.outcomeMessage ?? 'no message'})`);
      }
    }
    if (Date.now() > deadline) throw new RecordError(`${id}: no ${what} within ${RUN_TIMEOUT_MS / 60_000} min (last: ${last})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Waits until the run is closed (whatever its outcome). */
async function waitClosed(cozy: CozyClient, id: string): Promise<string> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const status = (await cozy.client.workflow.getHandle(id).describe()).status.name;
    if (status !== 'RUNNING') return status;
    if (Date.now() > deadline) throw new RecordError(`${id} still running after ${RUN_TIMEOUT_MS / 60_000} min`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function record(state: SandboxState, id: string, file: string): Promise<number> {
  const { stdout } = await run(
    toolPath('TEMPORAL_CLI', 'temporal'),
    ['workflow', 'show', '--workflow-id', id, '--output', 'json', '--address', state.temporal.address, '--namespace', state.temporal.namespace],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const events = (JSON.parse(stdout) as { events?: unknown[] }).events?.length ?? 0;
  if (events === 0) throw new RecordError(`the history of ${id} has no events`);
  writeFileSync(file, stdout);
  say(`  recorded ${relative(packageRoot(), file)}: ${events} events, ${Math.round(stdout.length / 1024)} KiB`);
  return events;
}

/** The sandbox's config as written (YAML as the operator edits it: secret references, durations as text). */
type RawConfig = Record<string, unknown> & { gates: Record<string, unknown>; monitoring?: Record<string, unknown> };

/** Writes a variant of the sandbox's config next to it and returns the file (the CLI validates it). */
function configFile(state: SandboxState, name: string, config: RawConfig): string {
  const file = join(state.dir, `record-${name}.yaml`);
  writeFileSync(file, `# Written by the history recorder (scripts/record-histories.sh) for the ${name} run.\n${stringify(config)}`);
  return file;
}

async function start(state: SandboxState, id: string, file: string, extra: string[] = []): Promise<void> {
  await cli(state, ['integrate-cluster', '-c', file, '--id', id, '--json', ...extra]);
  say(`  started ${id}`);
}

async function recordKind(kind: Kind, state: SandboxState, cozy: CozyClient, base: RawConfig, out: string): Promise<void> {
  const id = `record-${releaseVersion()}-${kind}-${Date.now()}`;
  const file = join(out, `${kind}.json`);
  const running = (p: Progress) => p.state !== 'completed' && p.state !== 'failed' && p.state !== 'cancelled';
  const never = () => false;
  switch (kind) {
    case 'finished': {
      await start(state, id, configFile(state, kind, base), ['--auto-approve']);
      const p = await waitFor(cozy, id, 'the end of the run', (q) => !running(q), never);
      if (p.state !== 'completed') throw new RecordError(`${id} ended ${p.state}: ${p.outcomeMessage ?? ''}`);
      await record(state, id, file);
      return;
    }
    case 'waiting-at-gate': {
      const manual = { ...base, gates: { ...base.gates, 'basic-integration': 'manual', 'advanced-integration': 'manual' } };
      await start(state, id, configFile(state, kind, manual));
      const gateOpen = (phase: string) => (p: Progress) => p.gates.some((g) => g.phase === phase && g.state === 'open');
      await waitFor(cozy, id, 'the basic-integration gate', gateOpen('basic-integration'));
      await cli(state, ['approve', id, '--phase', 'basic-integration', '--comment', 'recording the replay corpus']);
      say('  approved basic-integration');
      await waitFor(cozy, id, 'the advanced-integration gate', gateOpen('advanced-integration'));
      await record(state, id, file);
      await cli(state, ['cancel', id]); // leaves the sandbox as the next run expects it: its undos run
      say(`  cancelled ${id} after recording it: ${await waitClosed(cozy, id)}`);
      return;
    }
    case 'blocked-on-step': {
      // A port nothing listens on: the Prometheus checks fail for good, and with gates on auto and onStepFailure
      // "wait" the run waits for a decision.
      const closed = await freePort();
      const gates = Object.fromEntries(Object.keys(base.gates).map((phase) => [phase, 'auto']));
      const broken = { ...base, gates, onStepFailure: 'wait', monitoring: { ...base.monitoring, prometheus: `http://127.0.0.1:${closed}` } };
      await start(state, id, configFile(state, kind, broken));
      const p = await waitFor(cozy, id, 'a blocked step', (q) => q.state === 'blocked-on-step');
      const blocked = p.steps.filter((s) => s.state === 'blocked').map((s) => s.id);
      say(`  blocked on ${blocked.join(', ')}`);
      await record(state, id, file);
      await cli(state, ['resolve', id, '--step', blocked[0], '--action', 'abort', '--comment', 'recorded; cleaning up']);
      say(`  aborted ${id} after recording it: ${await waitClosed(cozy, id)}`);
      return;
    }
    case 'cancelled-with-compensation': {
      await start(state, id, configFile(state, kind, base), ['--auto-approve']);
      const p = await waitFor(cozy, id, 'a running advanced-integration step', (q) => q.currentPhase === 'advanced-integration' && q.currentSteps.length > 0);
      await cli(state, ['cancel', id]);
      say(`  cancelled ${id} while ${p.currentSteps.join(', ')} ran`);
      const status = await waitClosed(cozy, id);
      if (status !== 'CANCELLED') throw new RecordError(`${id} ended ${status}, not CANCELLED`);
      await record(state, id, file);
      return;
    }
  }
}

async function replayAll(files: string[]): Promise<void> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') }); // the replay worker's state changes are noise here
  } catch {
    // a runtime exists already
  }
  const bundle = prebuiltWorkflowBundle();
  if (!bundle) throw new RecordError('no up-to-date dist/workflows.bundle.js: build first (scripts/record-histories.sh does)');
  for (const file of files) {
    await Worker.runReplayHistory({ workflowBundle: bundle }, JSON.parse(readFileSync(file, 'utf8')), file);
    say(`  replays: ${relative(packageRoot(), file)}`);
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const release = releaseVersion();
  const out = join(packageRoot(), 'test', 'histories', release);
  mkdirSync(out, { recursive: true });
  say(`recording release ${release}'s histories (${opts.only.join(', ')}) into ${relative(packageRoot(), out)}/, sandbox in ${opts.dir}`);
  const began = Date.now();
  const state = await sandboxUp({ dir: opts.dir, onProgress: (m) => say(`  sandbox: ${m}`) });
  let cozy: CozyClient | undefined;
  try {
    cozy = await connectClient({ address: state.temporal.address, namespace: state.temporal.namespace });
    const written = parse(readFileSync(state.configFile, 'utf8')) as RawConfig;
    const skip = (written.skipTestSteps as string[] | undefined) ?? [];
    const base: RawConfig = { ...written, skipTestSteps: opts.withVms ? skip : [...new Set([...skip, 'step3-vm-management'])] };
    const files: string[] = [];
    for (const kind of opts.only) {
      const t = Date.now();
      say(`${kind}:`);
      await recordKind(kind, state, cozy, base, out);
      files.push(join(out, `${kind}.json`));
      say(`  ${kind} took ${Math.round((Date.now() - t) / 1000)} s`);
    }
    say('replaying what was recorded with this build:');
    await replayAll(files);
    say(`done in ${Math.round((Date.now() - began) / 1000)} s; commit ${relative(packageRoot(), out)}/`);
  } finally {
    await cozy?.close();
    if (opts.keepSandbox) say(`sandbox left running in ${opts.dir} (stop it with: cozy-proxmox sandbox down --dir ${opts.dir})`);
    else await sandboxDown(opts.dir);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`record-histories: ${err instanceof RecordError ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
