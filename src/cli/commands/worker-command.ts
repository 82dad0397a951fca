// `worker`: runs integrateCluster workflows and their steps until stopped, draining on SIGTERM/Ctrl-C.
import { Command } from 'commander';
import { addTemporalOptions, codecErrorToCli, temporalOptionsFrom } from '../connection';
import { BadInputError } from '../errors';
import { DURATION_PATTERN, durationToMs } from '../../config/duration';

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
      ),
  ).action(async (opts) => {
    const options = temporalOptionsFrom(opts);
    if (!DURATION_PATTERN.test(opts.shutdownGraceTime)) {
      throw new BadInputError(`--shutdown-grace-time must be a duration such as 60s or 5m, not "${opts.shutdownGraceTime}"`);
    }
    progress(`worker polling task queue ${options.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? 'cozy-proxmox'}`);
    try {
      const { runWorker } = await import('../../worker');
      await runWorker({ ...options, maxConcurrentActivityTaskExecutions: Number(opts.maxConcurrentActivities), shutdownGraceMs: durationToMs(opts.shutdownGraceTime) });
    } catch (err) {
      throw codecErrorToCli(err);
    }
  });
}
