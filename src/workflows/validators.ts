// Update validators. A request they reject never reaches the workflow's history: the caller gets the reason.
import { isPhaseId } from '../catalogue/phases';
import type { ApproveRequest, RejectRequest, ResolveStepRequest } from './definitions';
import type { RunTracker } from './run-tracker';

function checkApprover(approvers: string[], by: string): void {
  if (!by || by.trim() === '') throw new Error('the approver is missing (--by)');
  if (approvers.length > 0 && !approvers.includes(by)) {
    throw new Error(`${by} is not an approver of this run (approvers: ${approvers.join(', ')})`);
  }
}

function openGateText(run: RunTracker): string {
  const open = [...run.gates.values()].find((g) => g.state === 'open');
  return open ? `the open gate is ${open.phase}` : 'no gate is open';
}

export function validateApprove(run: RunTracker, approvers: string[], req: ApproveRequest): void {
  if (!req || !isPhaseId(req.phase)) throw new Error(`unknown phase "${req?.phase}"`);
  checkApprover(approvers, req.by);
  const gate = run.gate(req.phase);
  if (gate.state === 'approved') return; // repeated approval: accepted, changes nothing
  if (gate.state !== 'open') throw new Error(`the gate of phase ${req.phase} is not open (${openGateText(run)})`);
}

export function validateReject(run: RunTracker, approvers: string[], req: RejectRequest): void {
  if (!req || !isPhaseId(req.phase)) throw new Error(`unknown phase "${req?.phase}"`);
  checkApprover(approvers, req.by);
  if (!req.reason || req.reason.trim() === '') throw new Error('a rejection needs a reason');
  const gate = run.gate(req.phase);
  if (gate.state !== 'open') throw new Error(`the gate of phase ${req.phase} is not open (${openGateText(run)})`);
}

export function validateResolve(
  run: RunTracker,
  approvers: string[],
  pending: Map<string, ResolveStepRequest>,
  req: ResolveStepRequest,
): void {
  if (!req || !['retry', 'skip', 'abort'].includes(req.action)) {
    throw new Error(`unknown action "${req?.action}" (use retry, skip or abort)`);
  }
  checkApprover(approvers, req.by);
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
