// Commands that act on runs: integrate-cluster, status, approve, reject, resolve, cancel, report, list.
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { buildPlan } from '../../catalogue';
import { PHASE_IDS, isPhaseId, type PhaseId } from '../../catalogue/phases';
import { withAutoApprove } from '../../config/auto-approve';
import { renderJson } from '../../report/render-json';
import { renderJunit } from '../../report/render-junit';
import { renderMarkdown } from '../../report/render-markdown';
import type { Progress } from '../../report/progress';
import { addTemporalOptions, withClient, type ClientApi } from '../connection';
import { BadInputError, CliError } from '../errors';
import { defaultApprover, printJson } from '../output';
import { isFinished, renderProgressText, watchProgress } from '../progress-view';
import { loadValidConfig } from './config-commands';
import type { DecisionSignature, DecisionSubject } from '../../approvals/decision';
import type { CozyClient } from '../../client';

/** The environment variable that names the signing key when --key is not given. */
export const SIGNING_KEY_ENV = 'COZY_PROXMOX_SIGNING_KEY';

function phaseArg(value: string): PhaseId {
  if (!isPhaseId(value)) throw new BadInputError(`--phase must be one of ${PHASE_IDS.join(', ')}, not "${value}"`);
  return value;
}

/** Maps the errors a request can meet to what the operator should read. */
async function request<T>(api: typeof ClientApi, id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof api.RequestRejectedError) throw new CliError(`refused: ${err.message}`);
    if (err instanceof api.WorkflowNotFoundError) throw new CliError(`no run with id ${id}`);
    throw err;
  }
}

function printFinal(p: Progress, json: boolean): void {
  if (json) printJson(p);
  // On a terminal the live view already shows the final state.
  else if (!process.stdout.isTTY) process.stdout.write(renderProgressText(p) + '\n');
}

/** Says who decides on a run: the name, and with a key the signature of the decision for that run. */
type Decide = (cozy: CozyClient, id: string, subject: DecisionSubject) => Promise<{ by: string; signature?: DecisionSignature }>;

/**
 * Who decides: with a signing key (--key, or $COZY_PROXMOX_SIGNING_KEY) the request is signed for the run, and the
 * name defaults to the one the worker lists for the key; without one, only the name (runs whose worker lists no
 * approvers accept that, the others refuse it and say so). The key is read here, before anything connects: a key
 * that cannot be used is bad input (exit 2), whatever the server.
 */
async function decider(opts: { by?: string; key?: string }): Promise<Decide> {
  const keyPath = opts.key ?? process.env[SIGNING_KEY_ENV];
  if (!keyPath) {
    const by = opts.by ?? defaultApprover();
    return async () => ({ by });
  }
  // Loaded here, not at the top: ssh2 is only needed by commands that sign.
  const { loadSigningKey, SigningKeyError } = await import('../../approvals/sign');
  const { signForRun } = await import('../../approvals/sign-request');
  let key: ReturnType<typeof loadSigningKey>;
  try {
    key = loadSigningKey(keyPath, process.env.COZY_PROXMOX_SIGNING_KEY_PASSPHRASE);
  } catch (err) {
    if (err instanceof SigningKeyError) throw new BadInputError(err.message);
    throw err;
  }
  return (cozy, id, subject) => signForRun(cozy, id, key, opts.by, subject, defaultApprover);
}

function keyText(fingerprint: string | undefined): string {
  return fingerprint ? ` (key ${fingerprint})` : '';
}

export function runCommands(): Command[] {
  const integrate = addTemporalOptions(
    new Command('integrate-cluster')
      .description('start an integrateCluster run from a config file')
      .requiredOption('-c, --config <file>', 'integration config (YAML)')
      .option('--wait', 'follow progress until the run ends; exit 0 only if it succeeded')
      .option('--auto-approve', 'pass every gate automatically (recorded as policy "auto" in the run)')
      .option('--id <workflowId>', 'workflow id (default integrate-cluster-<cluster name>)')
      .option('--skip-secret-check', 'do not check here that referenced secrets exist (the worker runs elsewhere)')
      .option('--json', 'print the result as JSON'),
  ).action(async (opts) => {
    let config = loadValidConfig(opts.config, !opts.skipSecretCheck);
    if (opts.autoApprove) config = withAutoApprove(config);
    // Built here only to check the config before anything starts and to say how many steps it plans; the run itself
    // is planned by the worker (its release's catalogue is the one whose activities run the steps).
    const plan = buildPlan(config);
    await withClient(opts, async (cozy, api) => {
      let id: string;
      try {
        id = await api.startIntegration(cozy, { config, workflowId: opts.id, startedBy: defaultApprover() });
      } catch (err) {
        if (err instanceof api.WorkflowExecutionAlreadyStartedError) {
          throw new CliError(`a run for cluster ${config.cluster.name} is already running (${err.workflowId}); see \`cozy-proxmox status ${err.workflowId}\``);
        }
        throw err;
      }
      if (!opts.wait) {
        if (opts.json) printJson({ workflowId: id, steps: plan.length });
        else process.stdout.write(`started ${id} (${plan.length} steps); follow it with: cozy-proxmox status ${id} --watch\n`);
        return;
      }
      const final = await watchProgress(cozy, id, opts.json ? process.stderr : process.stdout);
      printFinal(final, opts.json);
      if (final.state !== 'completed') throw new CliError(`run ${id} ended ${final.state}: ${final.outcomeMessage ?? ''}`);
    });
  });

  const status = addTemporalOptions(
    new Command('status')
      .description('show a run\'s progress')
      .argument('<id>', 'workflow id')
      .option('--watch', 'follow until the run ends')
      .option('--json', 'print the progress as JSON'),
  ).action(async (id: string, opts) => {
    await withClient(opts, async (cozy, api) => {
      const p = await request(api, id, () => (opts.watch && !opts.json ? watchProgress(cozy, id) : api.getProgress(cozy, id)));
      if (opts.json) printJson(p);
      else if (!opts.watch) process.stdout.write(renderProgressText(p) + '\n');
    });
  });

  const approve = addTemporalOptions(
    new Command('approve')
      .description('approve the open gate of a phase')
      .argument('<id>', 'workflow id')
      .requiredOption('--phase <phase>', `phase whose gate to approve (${PHASE_IDS.join(', ')})`)
      .option('--by <who>', 'approver (default: the name the worker lists for --key, else $USER)')
      .option('--key <file>', `ed25519 private key (OpenSSH) that signs the decision (default: $${SIGNING_KEY_ENV})`)
      .option('--comment <text>', 'comment recorded with the approval')
      .option('--json', 'print the gate as JSON'),
  ).action(async (id: string, opts) => {
    const phase = phaseArg(opts.phase);
    const decide = await decider(opts);
    await withClient(opts, async (cozy, api) => {
      const who = await decide(cozy, id, { action: 'approve', phase, comment: opts.comment });
      const gate = await request(api, id, () => api.approvePhase(cozy, id, { phase, comment: opts.comment, ...who }));
      if (opts.json) printJson(gate);
      else process.stdout.write(`gate ${gate.phase} ${gate.state} by ${gate.by}${keyText(gate.keyFingerprint)}\n`);
    });
  });

  const reject = addTemporalOptions(
    new Command('reject')
      .description('reject the open gate of a phase: the run cleans up and ends')
      .argument('<id>', 'workflow id')
      .requiredOption('--phase <phase>', 'phase whose gate to reject')
      .requiredOption('--reason <text>', 'why (recorded in the report)')
      .option('--by <who>', 'who rejects (default: the name the worker lists for --key, else $USER)')
      .option('--key <file>', `ed25519 private key (OpenSSH) that signs the decision (default: $${SIGNING_KEY_ENV})`)
      .option('--json', 'print the gate as JSON'),
  ).action(async (id: string, opts) => {
    const phase = phaseArg(opts.phase);
    if (!String(opts.reason).trim()) throw new BadInputError('--reason must not be empty');
    const decide = await decider(opts);
    await withClient(opts, async (cozy, api) => {
      const who = await decide(cozy, id, { action: 'reject', phase, reason: opts.reason });
      const gate = await request(api, id, () => api.rejectPhase(cozy, id, { phase, reason: opts.reason, ...who }));
      if (opts.json) printJson(gate);
      else process.stdout.write(`gate ${gate.phase} rejected by ${gate.by}${keyText(gate.keyFingerprint)}: ${gate.reason}\n`);
    });
  });

  const resolve = addTemporalOptions(
    new Command('resolve')
      .description('decide about a step that failed for good: retry it, skip it, or abort the run')
      .argument('<id>', 'workflow id')
      .requiredOption('--step <step>', 'step id (see `status`)')
      .addOption(new Option('--action <action>', 'what to do').choices(['retry', 'skip', 'abort']).makeOptionMandatory())
      .option('--by <who>', 'who decides (default: the name the worker lists for --key, else $USER)')
      .option('--key <file>', `ed25519 private key (OpenSSH) that signs the decision (default: $${SIGNING_KEY_ENV})`)
      .option('--comment <text>', 'comment recorded with the decision')
      .option('--json', 'print the step as JSON'),
  ).action(async (id: string, opts) => {
    const decide = await decider(opts);
    await withClient(opts, async (cozy, api) => {
      const who = await decide(cozy, id, { action: 'resolve', step: opts.step, resolution: opts.action, comment: opts.comment });
      const step = await request(api, id, () => api.resolveStep(cozy, id, { step: opts.step, action: opts.action, comment: opts.comment, ...who }));
      if (opts.json) printJson(step);
      else process.stdout.write(`step ${step.id}: ${opts.action} by ${who.by}${keyText(step.resolutions.at(-1)?.keyFingerprint)}\n`);
    });
  });

  const cancel = addTemporalOptions(
    new Command('cancel').description('cancel a run: running steps stop, compensations run').argument('<id>', 'workflow id'),
  ).action(async (id: string, opts) => {
    await withClient(opts, async (cozy, api) => {
      await request(api, id, () => api.cancelRun(cozy, id));
      process.stdout.write(`cancellation requested for ${id}\n`);
    });
  });

  const report = addTemporalOptions(
    new Command('report')
      .description('render a run\'s report')
      .argument('<id>', 'workflow id')
      .addOption(new Option('--format <format>', 'report format').choices(['md', 'json', 'junit']).default('md'))
      .option('-o, --output <file>', 'write to a file instead of stdout'),
  ).action(async (id: string, opts) => {
    await withClient(opts, async (cozy, api) => {
      const p = await request(api, id, () => api.getProgress(cozy, id));
      const text = opts.format === 'json' ? renderJson(p) : opts.format === 'junit' ? renderJunit(p) : renderMarkdown(p);
      if (opts.output) writeFileSync(opts.output, text);
      else process.stdout.write(text);
      if (!isFinished(p)) process.stderr.write(`note: run ${id} is still ${p.state}; this report is a snapshot\n`);
    });
  });

  const list = addTemporalOptions(
    new Command('list').description('list integrateCluster runs').option('--json', 'print as JSON').option('--limit <n>', 'at most n runs', '50'),
  ).action(async (opts) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new BadInputError(`--limit must be a positive whole number, not "${opts.limit}"`);
    await withClient(opts, async (cozy, api) => {
      const runs = await api.listRuns(cozy, limit);
      if (opts.json) return printJson(runs);
      if (runs.length === 0) return void process.stdout.write('no runs\n');
      for (const r of runs) {
        process.stdout.write(`${r.workflowId.padEnd(40)} ${r.status.padEnd(11)} ${(r.state ?? '-').padEnd(18)} ${(r.phase ?? '-').padEnd(22)} ${r.startTime}\n`);
      }
    });
  });

  return [integrate, status, approve, reject, resolve, cancel, report, list];
}
