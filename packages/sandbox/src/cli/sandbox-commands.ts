// `sandbox up|down|status`: the embedded sandbox, from the command line.
import { SIGNING_KEY_ENV } from '../../../../src/cli/commands/run-commands';
import { sandboxApproverKeyFile } from '../worker-policy';
import { temporalTlsEnv } from '../temporal/tls-files';
import { Command, Option } from 'commander';
import { BadInputError, CliError } from '../../../../src/cli/errors';
import { printJson } from '../../../../src/cli/output';
import { watchInterrupts } from '../../../../src/cli/interrupt';
import type { SandboxState } from '../sandbox';

export const progress = (m: string) => process.stderr.write(`==> ${m}\n`);

// The sandbox (its control plane, seed and Kubernetes client), the worker and the Temporal client are loaded by the
// actions that use them, so that the rest of the CLI starts without them.
export const sandboxModule = () => import('../sandbox');

/** `--temporal dev|server`, for `sandbox up` and `demo`. */
export function temporalModeOption(): Option {
  return new Option('--temporal <kind>', 'the Temporal CLI dev server (SQLite, Web UI) or the real Temporal server on PostgreSQL, as production runs it')
    .choices(['dev', 'server'])
    .default('dev');
}

export const TASK_SPEED_HELP = "multiplier on the simulated Proxmox tasks' durations (1 realistic, 0.2 five times faster)";

/** --task-speed: a positive number up to 10. */
export function taskSpeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0 && n <= 10)) throw new BadInputError(`--task-speed must be a number above 0 and at most 10 (got "${text}")`);
  return n;
}

function describe(state: SandboxState): string {
  return [
    `sandbox directory: ${state.dir}`,
    state.temporal.server
      ? `Temporal:          ${state.temporal.address}  (the Temporal server on PostgreSQL 127.0.0.1:${state.temporal.server.postgres.port}, mTLS; UI ${state.temporal.uiUrl})`
      : `Temporal:          ${state.temporal.address}  (UI ${state.temporal.uiUrl})`,
    `Proxmox (simulated): ${state.proxmox.url}  CA ${state.proxmox.caFile}`,
    ...(state.kubernetes ? [`Kubernetes:        ${state.kubernetes.server}  kubeconfig ${state.kubernetes.kubeconfig} (CozyStack components simulated)`] : []),
    ...(state.kubernetes?.worker ? [`worker acts as:    ${state.kubernetes.worker.serviceAccount} (the cozy-proxmox-worker chart's RBAC; kubeconfig ${state.kubernetes.worker.kubeconfig})`] : []),
    `credentials:       ${state.credentials.proxmoxPasswordFile}, ${state.credentials.proxmoxTokenSecretFile}`,
    `config:            ${state.configFile}`,
    ...(state.monitoring ? [`Prometheus:        ${state.monitoring.prometheusUrl}  (jobs pve, cozy-proxmox-worker)`] : []),
    ...(state.workerMetrics ? [`worker metrics:    ${state.workerMetrics.url}`] : []),
    '',
    ...Object.entries({ TEMPORAL_ADDRESS: state.temporal.address, ...(state.temporal.server ? temporalTlsEnv(state.temporal.server.tls) : {}) }).map(([k, v]) => `export ${k}=${v}`),
    // Not exported: KUBECONFIG in the shell that starts a run overrides the config's kubeconfig (the worker's).
    ...(state.kubernetes ? [`alias kubectl-sandbox='kubectl --kubeconfig ${state.kubernetes.kubeconfig}'`] : []),
    // The sandbox worker accepts decisions signed by this key only (its policy lists it).
    `export ${SIGNING_KEY_ENV}=${sandboxApproverKeyFile(state.dir)}`,
    `cozy-proxmox integrate-cluster -c ${state.configFile} --wait`,
  ].join('\n');
}

export function sandboxCommand(): Command {
  const sandbox = new Command('sandbox').description('the embedded sandbox: Temporal, a Proxmox simulator, a Kubernetes control plane and a worker on loopback');
  sandbox
    .command('up')
    .description('start the sandbox (again: keeps what runs) and write a ready config')
    .option('--dir <dir>', 'sandbox directory (env COZY_PROXMOX_SANDBOX_DIR)')
    .option('--no-worker', 'do not start a worker')
    .option('--no-kubernetes', 'do not start the Kubernetes control plane')
    .option('--proxmox-seed <file>', 'seed file for the Proxmox simulator')
    .option('--task-speed <x>', TASK_SPEED_HELP)
    .addOption(temporalModeOption())
    .addOption(new Option('--cluster-profile <kind>', 'run the control plane as a Talos cluster (CozyStack) or a kubeadm one').choices(['talos', 'kubeadm']).default('talos'))
    .option('--json', 'print endpoints as JSON')
    .action(async (opts) => {
      const speed = taskSpeed(opts.taskSpeed);
      const { sandboxUp } = await sandboxModule();
      // Interrupted while it starts, it stops what it had started.
      const interrupts = watchInterrupts(progress);
      let state: SandboxState;
      try {
        state = await sandboxUp({ dir: opts.dir, worker: opts.worker, kubernetes: opts.kubernetes, proxmoxSeed: opts.proxmoxSeed, taskSpeed: speed, clusterProfile: opts.clusterProfile, temporal: opts.temporal, onProgress: progress, signal: interrupts.signal });
      } catch (err) {
        throw interrupts.error() ?? err;
      } finally {
        interrupts.dispose();
      }
      if (opts.json) printJson(state);
      else process.stdout.write(describe(state) + '\n');
    });
  sandbox
    .command('down')
    .description('stop everything the sandbox started')
    .option('--dir <dir>', 'sandbox directory')
    .action(async (opts) => {
      const { sandboxDown } = await sandboxModule();
      const stopped = await sandboxDown(opts.dir);
      process.stdout.write(stopped.length > 0 ? `stopped: ${stopped.join(', ')}\n` : 'nothing was running\n');
    });
  sandbox
    .command('status')
    .description('show the sandbox\'s endpoints and credentials files')
    .option('--dir <dir>', 'sandbox directory')
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const { readSandboxState, sandboxComponents, sandboxDir } = await sandboxModule();
      const state = readSandboxState(opts.dir);
      if (!state) {
        if (opts.json) printJson({ running: false, dir: sandboxDir(opts.dir) });
        else process.stdout.write(`no sandbox in ${sandboxDir(opts.dir)}; start one with: cozy-proxmox sandbox up\n`);
        throw new CliError('sandbox is not running');
      }
      const components = sandboxComponents(state);
      const running = components.every((c) => c.running);
      if (opts.json) printJson({ running, components, ...state });
      else process.stdout.write(`${describe(state)}\n\n${components.map((c) => `${c.name}: ${c.running ? 'running' : 'stopped'} (pid ${c.pid})`).join('\n')}\n`);
      if (!running) throw new CliError('some sandbox components are not running; `cozy-proxmox sandbox up` starts a stopped worker again, or the whole sandbox anew when anything else stopped');
    });
  return sandbox;
}
