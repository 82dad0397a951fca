// The live progress view of `status --watch` and `integrate-cluster --wait`: redrawn in place on a terminal,
// one line per change otherwise (logs, CI).
import { setTimeout as sleep } from 'node:timers/promises';
import type { CozyClient } from '../client';
import { PHASE_TITLES } from '../catalogue/phases';
import { decisionsText, formatDuration, STATE_MARK } from '../report/format';
import type { Progress } from '../report/progress';

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

export function isFinished(p: Progress): boolean {
  return TERMINAL.has(p.state);
}

export function renderProgressText(p: Progress): string {
  const out: string[] = [];
  out.push(`${p.workflowId}  state: ${p.state}${p.outcome ? ` (${p.outcome})` : ''}  phase: ${p.currentPhase ?? '-'}  elapsed: ${formatDuration(p.metrics.executionMs)}`);
  for (const phase of p.phases) {
    const steps = p.steps.filter((s) => s.phase === phase.id);
    if (steps.length === 0) continue;
    const gate = p.gates.find((g) => g.phase === phase.id);
    const gateText = gate ? `gate ${gate.state}${gate.by ? ` by ${gate.by}` : ''}${gate.keyFingerprint ? ` (key ${gate.keyFingerprint})` : ''}` : '';
    out.push(`  ${PHASE_TITLES[phase.id]}  [${phase.state}]  ${gateText}`);
    for (const s of steps) {
      const mark = (STATE_MARK[s.state] ?? s.state).padEnd(7);
      const tries = s.attempts > 1 ? ` x${s.attempts}` : '';
      out.push(`    ${mark} ${s.id.padEnd(28)} ${formatDuration(s.durationMs).padStart(9)}${tries}  ${s.message ?? s.live ?? ''}`.trimEnd());
    }
  }
  for (const d of pendingDecisions(p)) out.push(`  ${d.what}: ${d.command}`);
  // Whether a name is enough to decide, or a listed key must sign: a run whose gates accept anyone says so.
  out.push(`  decisions: ${decisionsText(p)}`);
  const m = p.metrics;
  out.push(`  tests ${m.testsCompleted}/${m.testsTotal}  success ${m.successRate}%  issues found ${m.issuesFound} fixed ${m.issuesFixed}`);
  return out.join('\n');
}

interface PendingDecision {
  /** Changes when the run waits anew (a retried step that blocks again). */
  key: string;
  /** `waiting for approval` or `blocked on STEP`. */
  what: string;
  reason?: string;
  command: string;
}

/** What the run waits for, with the command that moves it on: one per open gate and per blocked step. */
export function pendingDecisions(p: Progress): PendingDecision[] {
  const out: PendingDecision[] = [];
  const key = p.decisions?.mode === 'signed' ? ' --key KEYFILE' : '';
  for (const g of p.gates.filter((x) => x.state === 'open')) {
    out.push({ key: `gate:${g.phase}`, what: 'waiting for approval', command: `cozy-proxmox approve ${p.workflowId} --phase ${g.phase}${key}` });
  }
  for (const s of p.steps.filter((x) => x.state === 'blocked')) {
    out.push({
      key: `step:${s.id}:${s.executions}`,
      what: `blocked on ${s.id}`,
      reason: s.message,
      command: `cozy-proxmox resolve ${p.workflowId} --step ${s.id} --action retry|skip|abort${key}`,
    });
  }
  return out;
}

/** The announcement a follower without a terminal prints once, as soon as the run waits. */
function announcement(d: PendingDecision): string {
  return d.reason ? `${d.what}: ${d.reason}\n  decide with: ${d.command}` : `${d.what}: ${d.command}`;
}

function changeLine(p: Progress): string {
  const running = p.currentSteps.length > 0 ? ` steps: ${p.currentSteps.join(', ')}` : '';
  return `[${new Date().toISOString()}] ${p.state} ${p.currentPhase ?? '-'}${running} (${p.metrics.testsCompleted}/${p.metrics.testsTotal} done)`;
}

/**
 * Runs one poll with a signal of its own that follows `signal`. The Temporal client adds an abort listener to the
 * signal of each call and never removes it: given the watch's one signal, every poll would leave a listener (and
 * its call) behind for as long as the watch lasts.
 */
export async function withPollSignal<T>(signal: AbortSignal, poll: (s: AbortSignal) => Promise<T>): Promise<T> {
  const own = new AbortController();
  const follow = () => own.abort(signal.reason);
  signal.addEventListener('abort', follow, { once: true });
  try {
    return await poll(own.signal);
  } finally {
    signal.removeEventListener('abort', follow);
  }
}

/**
 * Polls until the run ends; returns its final progress. Progress goes to `out` (stderr when stdout carries JSON).
 * While no worker answers, it says so and keeps waiting: the run is durable, a worker may come later. An abort ends
 * the watch (the run goes on) with the signal's reason, after any poll in flight has returned.
 */
export async function watchProgress(
  cozy: CozyClient,
  workflowId: string,
  out: NodeJS.WriteStream = process.stdout,
  intervalMs = 1000,
  signal?: AbortSignal,
): Promise<Progress> {
  const { getProgress, QueryNotAnsweredError } = await import('../client');
  const tty = out.isTTY === true;
  let lastLine = '';
  // Each gate and blocked step is announced once, as soon as it waits (a retried step that blocks again, again).
  const announced = new Set<string>();
  for (;;) {
    signal?.throwIfAborted();
    let p: Progress | undefined;
    try {
      // Abortable: an interrupted command must not wait for a query no worker answers any more.
      p = signal ? await withPollSignal(signal, (poll) => cozy.client.withAbortSignal(poll, () => getProgress(cozy, workflowId))) : await getProgress(cozy, workflowId);
    } catch (err) {
      if (!(err instanceof QueryNotAnsweredError)) throw err;
      const line = `waiting for a worker on task queue ${cozy.options.taskQueue} (start one with: cozy-proxmox worker)`;
      if (line !== lastLine) out.write(line + '\n');
      lastLine = line;
    }
    if (p) {
      if (tty) {
        out.write('\x1b[2J\x1b[H' + renderProgressText(p) + '\n');
      } else {
        const line = changeLine(p);
        const key = line.replace(/^\[[^\]]+\] /, '');
        if (key !== lastLine) out.write(line + '\n');
        lastLine = key;
        for (const d of pendingDecisions(p).filter((x) => !announced.has(x.key))) {
          announced.add(d.key);
          out.write(announcement(d) + '\n');
        }
      }
      if (isFinished(p)) return p;
    }
    await sleep(intervalMs, undefined, { signal });
  }
}
