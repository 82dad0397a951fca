// Update validators. A request they reject never reaches the workflow's history: the caller gets the reason.
// Who decides is checked first (signature, key, name, time, nonce: src/approvals/verify.ts), then whether the run
// can take the decision now.
import { checkDecision, type DecisionCheck } from '../approvals/verify';
import type { DecisionScope } from '../approvals/decision';
import { isPhaseId } from '../catalogue/phases';
import type { ApproveRequest, RejectRequest, ResolveStepRequest } from './definitions';
import type { RunTracker } from './run-tracker';

/** What a validator needs to know about the run besides its progress. */
export interface DecisionContext {
  workflowId: string;
  runId: string;
  check(): DecisionCheck;
}

function scope(ctx: DecisionContext, by: string): DecisionScope {
  return { workflowId: ctx.workflowId, runId: ctx.runId, by };
}

function openGateText(run: RunTracker): string {
  const open = [...run.gates.values()].find((g) => g.state === 'open');
  return open ? `the open gate is ${open.phase}` : 'no gate is open';
}

export function validateApprove(run: RunTracker, ctx: DecisionContext, req: ApproveRequest): void {
  if (!req || !isPhaseId(req.phase)) throw new Error(`unknown phase "${req?.phase}"`);
  checkDecision(ctx.check(), scope(ctx, req.by), { action: 'approve', phase: req.phase, comment: req.comment }, req.signature);
  const gate = run.gate(req.phase);
  if (gate.state === 'approved') return; // repeated approval: accepted, changes nothing
  if (gate.state !== 'open') throw new Error(`the gate of phase ${req.phase} is not open (${openGateText(run)})`);
}

export function validateReject(run: RunTracker, ctx: DecisionContext, req: RejectRequest): void {
  if (!req || !isPhaseId(req.phase)) throw new Error(`unknown phase "${req?.phase}"`);
  if (!req.reason || req.reason.trim() === '') throw new Error('a rejection needs a reason');
  checkDecision(ctx.check(), scope(ctx, req.by), { action: 'reject', phase: req.phase, reason: req.reason }, req.signature);
  const gate = run.gate(req.phase);
  if (gate.state !== 'open') throw new Error(`the gate of phase ${req.phase} is not open (${openGateText(run)})`);
}

export function validateResolve(
  run: RunTracker,
  ctx: DecisionContext,
  pending: Map<string, ResolveStepRequest>,
  req: ResolveStepRequest,
): void {
  if (!req || !['retry', 'skip', 'abort'].includes(req.action)) {
    throw new Error(`unknown action "${req?.action}" (use retry, skip or abort)`);
  }
  checkDecision(
    ctx.check(),
    scope(ctx, req.by),
    { action: 'resolve', step: req.step, resolution: req.action, comment: req.comment },
    req.signature,
  );
  const step = run.steps.get(req.step);
  if (!step) throw new Error(`unknown step "${req.step}"`);
  if (step.state !== 'blocked') {
    const blocked = [...run.steps.values()].filter((s) => s.state === 'blocked').map((s) => s.id);
    throw new Error(
      `step ${req.step} is ${step.state}, not waiting for a decision` +
        (blocked.length > 0 ? ` (waiting: ${blocked.join(', ')})` : ''),
    );
  }
  if (pending.has(req.step)) throw new Error(`a decision for step ${req.step} is already being applied`);
}
