// `demo`: the sandbox, a worker in this process and one integrate-cluster run with every gate approved and a failed
// step ending the run (--auto-approve), its report printed, and the sandbox stopped again unless --keep. Ctrl-C or
// SIGTERM at any point stops everything the demo started, --keep or not.
import { Command } from 'commander';
import { TEST_STEP_GROUPS, type TestStepGroup } from '../../../../src/catalogue/phases';
import { skipTestStepsSchema } from '../../../../src/config/schema';
import { withAutoApprove } from '../../../../src/config/auto-approve';
import { loadConfigFile } from '../../../../src/config/load';
import { loadWorkerPolicy } from '../../../../src/worker-policy/load';
import { writeSandboxWorkerPolicy } from '../worker-policy';
import { renderMarkdown } from '../../../../src/report/render-markdown';
import type { SandboxState } from '../sandbox';
import { BadInputError, CliError } from '../../../../src/cli/errors';
import { watchInterrupts } from '../../../../src/cli/interrupt';
import { watchProgress } from '../../../../src/cli/progress-view';
import { progress, sandboxModule, taskSpeed, TASK_SPEED_HELP, temporalModeOption } from './sandbox-commands';

/** How long a stopping worker may take to hand back its activities before the sandbox goes down anyway. */
const WORKER_STOP_MS = 15_000;
/** Interrupted, the whole sandbox goes down with the worker: there is nobody to hand activities back to. */
const INTERRUPTED_WORKER_STOP_MS = 1_000;

export function demoCommand(): Command {
  return new Command('demo')
    .description('start the sandbox and a worker, run integrate-cluster with gates approved automatically, print the report')
    .option('--keep', 'leave the sandbox running afterwards')
    .addOption(temporalModeOption())
    .option('--dir <dir>', 'sandbox directory')
    .option('--task-speed <x>', TASK_SPEED_HELP)
    .option('--skip <test-steps>', `test steps to leave out, comma-separated (${TEST_STEP_GROUPS.join(', ')}); the report marks them not-planned`)
    .action(async (opts) => {
      const speed = taskSpeed(opts.taskSpeed);
      const skipTestSteps = testStepList(opts.skip);
      const interrupts = watchInterrupts(progress);
      try {
        const [{ sandboxDown, sandboxUp }, { createWorker, installRuntime }, { connectClient, startIntegration }] = await Promise.all([
          sandboxModule(),
          import('../../../../src/worker'),
          import('../../../../src/client'),
        ]);
        // Interrupted while it starts, `sandbox up` stops what it had started itself.
        const state: SandboxState = await sandboxUp({ dir: opts.dir, worker: false, taskSpeed: speed, temporal: opts.temporal, onProgress: progress, signal: interrupts.signal });
        // The demo's worker serves its metrics where the sandbox's Prometheus scrapes a worker.
        installRuntime('WARN', state.workerMetrics?.address);
        let failed: string | undefined;
        try {
          // The sandbox's own worker policy: the demo's worker resolves and calls only what the sandbox holds.
          const { sandboxTemporalOptions } = await sandboxModule();
          const temporal = sandboxTemporalOptions(state);
          const { worker, connection } = await createWorker({ ...temporal, policy: loadWorkerPolicy(writeSandboxWorkerPolicy(state)) });
          const running = worker.run();
          const cozy = await connectClient(temporal);
          try {
            const config = { ...withAutoApprove(loadConfigFile(state.configFile, { env: {} })), skipTestSteps };
            const id = await startIntegration(cozy, { config, workflowId: `integrate-cluster-sandbox-${Date.now()}`, startedBy: 'demo' });
            const link = `${state.temporal.uiUrl}/namespaces/default/workflows/${id}`;
            progress(`run ${id} started; Temporal UI: ${link}`);
            const final = await watchProgress(cozy, id, process.stdout, 1000, interrupts.signal);
            process.stdout.write('\n' + renderMarkdown(final));
            process.stdout.write(`\nTemporal UI: ${link}\n`);
            if (final.state !== 'completed') failed = `the run ended ${final.state}: ${final.outcomeMessage ?? ''}`;
          } finally {
            await cozy.close();
            worker.shutdown();
            const stopWithin = interrupts.error() ? INTERRUPTED_WORKER_STOP_MS : WORKER_STOP_MS;
            await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, stopWithin).unref())]);
            await connection.close();
          }
        } catch (err) {
          if (!interrupts.error()) throw err;
        } finally {
          if (opts.keep && !interrupts.error()) {
            progress(`sandbox kept running; stop it with: cozy-proxmox sandbox down${opts.dir ? ` --dir ${opts.dir}` : ''}`);
          } else {
            progress('stopping the sandbox');
            const stopped = await sandboxDown(state.dir);
            progress(`stopped: ${stopped.join(', ') || 'nothing was running'}`);
          }
        }
        const stop = interrupts.error();
        if (stop) throw stop;
        if (failed) throw new CliError(failed);
      } catch (err) {
        throw interrupts.error() ?? err;
      } finally {
        interrupts.dispose();
      }
    });
}

/** --skip's list, checked before anything starts as the config's skipTestSteps is. */
function testStepList(text: string | undefined): TestStepGroup[] {
  if (text === undefined) return [];
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const parsed = skipTestStepsSchema.safeParse(items);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const item = typeof issue.path[0] === 'number' ? `"${items[issue.path[0]]}" ` : '';
  throw new BadInputError(`--skip: ${item}${issue.message}`);
}
