// `worker`: runs integrateCluster workflows and their steps until stopped, draining on SIGTERM/Ctrl-C.
import { Command } from 'commander';
import { addTemporalOptions, codecErrorToCli, temporalOptionsFrom } from '../connection';
import { BadInputError } from '../errors';
import { DURATION_PATTERN, durationToMs } from '../../config/duration';
import { loadWorkerPolicy, WORKER_POLICY_ENV, WorkerPolicyError } from '../../worker-policy/load';
import type { WorkerPolicy } from '../../worker-policy/schema';

/** The environment variables of --metrics-address and --health-address. */
const METRICS_ADDRESS_ENV = 'COZY_PROXMOX_METRICS_ADDRESS';
const HEALTH_ADDRESS_ENV = 'COZY_PROXMOX_HEALTH_ADDRESS';

// Long enough for most steps' current wait to end (a clone, a join's registration); the orchestrator must allow more
// (compose stop_grace_period, a pod's terminationGracePeriodSeconds).
const DEFAULT_SHUTDOWN_GRACE = '60s';

const progress = (m: string) => process.stderr.write(`==> ${m}\n`);

export function workerCommand(): Command {
  return addTemporalOptions(
    new Command('worker')
      .description('run a worker: executes integrateCluster workflows and their steps (Ctrl-C stops it gracefully)')
      .option('--max-concurrent-activities <n>', 'activity slots', '20')
      .option(
        '--shutdown-grace-time <duration>',
        'on SIGTERM/Ctrl-C, how long steps in flight may finish before they are cancelled and retried elsewhere (env COZY_PROXMOX_SHUTDOWN_GRACE_TIME)',
        process.env.COZY_PROXMOX_SHUTDOWN_GRACE_TIME ?? DEFAULT_SHUTDOWN_GRACE,
      )
      .option(
        '--metrics-address <host:port>',
        `serve the worker's Prometheus metrics at http://HOST:PORT/metrics (env ${METRICS_ADDRESS_ENV}; default off)`,
        process.env[METRICS_ADDRESS_ENV] || undefined,
      )
      .option(
        '--health-address <host:port>',
        `serve /healthz (alive, draining included) and /readyz (polling) at http://HOST:PORT for probes (env ${HEALTH_ADDRESS_ENV}; default off)`,
        process.env[HEALTH_ADDRESS_ENV] || undefined,
      )
      .option(
        '--policy <file>',
        `the worker's policy (YAML): the secret references and hosts its steps may use, the approvers' keys (env ${WORKER_POLICY_ENV})`,
        process.env[WORKER_POLICY_ENV] || undefined,
      ),
  ).action(async (opts) => {
    const options = temporalOptionsFrom(opts);
    if (!DURATION_PATTERN.test(opts.shutdownGraceTime)) {
      throw new BadInputError(`--shutdown-grace-time must be a duration such as 60s or 5m, not "${opts.shutdownGraceTime}"`);
    }
    const policy = policyFrom(opts.policy);
    const metricsAddress = addressFrom('--metrics-address', opts.metricsAddress);
    const healthAddress = addressFrom('--health-address', opts.healthAddress);
    progress(`worker polling task queue ${options.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? 'cozy-proxmox'}`);
    try {
      const { installRuntime, runWorker } = await import('../../worker');
      installRuntime(undefined, metricsAddress);
      if (metricsAddress) progress(`worker metrics at http://${metricsAddress}/metrics`);
      await runWorker({ ...options, policy, maxConcurrentActivityTaskExecutions: Number(opts.maxConcurrentActivities), shutdownGraceMs: durationToMs(opts.shutdownGraceTime) }, {
        healthAddress,
        onHealthServed: (url) => progress(`worker health at ${url}/healthz and ${url}/readyz`),
      });
    } catch (err) {
      throw codecErrorToCli(err);
    }
  });
}

/** HOST:PORT (an IPv6 host in brackets) of an endpoint the worker serves; undefined: not served. */
function addressFrom(option: string, address: string | undefined): string | undefined {
  if (!address) return undefined;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new BadInputError(`${option} must be HOST:PORT, e.g. 127.0.0.1:9464 or 0.0.0.0:9464 in a container, not "${address}"`);
  }
  return address;
}

/** The policy file, read and checked before the worker connects: a bad one is bad input (exit 2), naming the field. */
function policyFrom(file: string | undefined): WorkerPolicy | undefined {
  if (!file) return undefined;
  try {
    const policy = loadWorkerPolicy(file);
    const allow = policy.allow;
    progress(allow ? `worker policy ${file}: ${allow.secrets.length} secret pattern(s), ${allow.hosts.length} host pattern(s) allowed` : `worker policy ${file}: no allow section, every secret reference and host allowed`);
    return policy;
  } catch (err) {
    if (err instanceof WorkerPolicyError) throw new BadInputError(err.message);
    throw err;
  }
}
