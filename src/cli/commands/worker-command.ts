// `worker`: runs integrateCluster workflows and their steps until stopped, draining on SIGTERM/Ctrl-C.
import { Command } from 'commander';
import { addTemporalOptions, codecErrorToCli, temporalOptionsFrom } from '../connection';
import { BadInputError } from '../errors';
import { DURATION_PATTERN, durationToMs } from '../../config/duration';
import { loadWorkerPolicy, WORKER_POLICY_ENV, WorkerPolicyError } from '../../worker-policy/load';
import type { WorkerPolicy } from '../../worker-policy/schema';

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
    progress(`worker polling task queue ${options.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? 'cozy-proxmox'}`);
    try {
      const { runWorker } = await import('../../worker');
      await runWorker({ ...options, policy, maxConcurrentActivityTaskExecutions: Number(opts.maxConcurrentActivities), shutdownGraceMs: durationToMs(opts.shutdownGraceTime) });
    } catch (err) {
      throw codecErrorToCli(err);
    }
  });
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
