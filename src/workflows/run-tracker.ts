// Bookkeeping of one run: every step's, phase's and gate's progress. The workflow mutates it as things happen and the
// `progress` query returns a snapshot. Deterministic: time comes from the workflow clock (Date.now() in workflow code).
import { PHASE_IDS, PHASE_TITLES, type PhaseId } from '../catalogue/phases';
import type { StepDefinition, StepOutcome } from '../catalogue/types';
import { computeMetrics } from '../report/metrics';
import type {
  CompensationProgress,
  GateProgress,
  PhaseProgress,
  PhaseState,
  Progress,
  RunOutcome,
  RunState,
  StepProgress,
} from '../report/progress';
import type { DecisionTrust } from '../approvals/trusted-approvers';
import type { IntegrateClusterInput } from './definitions';
import { gateSettings } from './gate-settings';

export class RunTracker {
  state: RunState = 'running';
  outcome?: RunOutcome;
  outcomeMessage?: string;
  currentPhase?: PhaseId;
  finishedAt?: number;
  readonly steps = new Map<string, StepProgress>();
  readonly phases = new Map<PhaseId, PhaseProgress>();
  readonly gates = new Map<PhaseId, GateProgress>();
  readonly compensations: CompensationProgress[] = [];
  /** Who may decide, as the worker's policy said when last read (undefined: runs from before signed decisions). */
  trust?: DecisionTrust;
  /** The release whose worker built the plan, when the worker built it. */
  plannedBy?: string;

  constructor(
    private readonly input: IntegrateClusterInput,
    private readonly workflowId: string,
    private readonly startedAt: number,
  ) {
    this.plan(input.plan ?? []);
    for (const id of PHASE_IDS) {
      this.phases.set(id, { id, title: PHASE_TITLES[id], state: 'pending', durationMs: 0 });
      const { policy, timeoutMs } = gateSettings(input.config, id);
      this.gates.set(id, { phase: id, policy, state: 'pending', timeoutMs });
    }
  }

  /** Lists the plan's steps (from the input, or once the worker built the plan). */
  plan(steps: StepDefinition[], plannedBy?: string): void {
    for (const def of steps) this.steps.set(def.id, newStep(def));
    if (plannedBy !== undefined) this.plannedBy = plannedBy;
  }

  step(id: string): StepProgress {
    const s = this.steps.get(id);
    if (!s) throw new Error(`unknown step ${id}`);
    return s;
  }

  gate(phase: PhaseId): GateProgress {
    return this.gates.get(phase) as GateProgress;
  }

  phase(id: PhaseId): PhaseProgress {
    return this.phases.get(id) as PhaseProgress;
  }

  /** The run is blocked while any step waits for a decision, and awaiting approval while a gate is open. */
  refreshState(): void {
    if (this.finishedAt !== undefined) return;
    if ([...this.steps.values()].some((s) => s.state === 'blocked')) this.state = 'blocked-on-step';
    else if ([...this.gates.values()].some((g) => g.state === 'open')) this.state = 'awaiting-approval';
    else this.state = 'running';
  }

  /** The phase whose gate is open while one waits, else the phase that runs. */
  shownPhase(): PhaseId | undefined {
    return [...this.gates.values()].find((g) => g.state === 'open')?.phase ?? this.currentPhase;
  }

  phaseStarted(id: PhaseId): void {
    this.currentPhase = id;
    const p = this.phase(id);
    p.state = 'running';
    p.startedAt = Date.now();
  }

  phaseFinished(id: PhaseId, state: PhaseState): void {
    const p = this.phase(id);
    p.state = state;
    p.finishedAt = Date.now();
    p.durationMs = p.finishedAt - (p.startedAt ?? p.finishedAt);
  }

  stepStarted(id: string): void {
    const s = this.step(id);
    s.state = 'running';
    s.executions += 1;
    s.startedAt = Date.now();
    s.finishedAt = undefined;
    s.message = undefined;
    s.details = undefined;
    s.failureType = undefined;
  }

  stepSucceeded(id: string, outcome: StepOutcome & { attempt?: number }): void {
    const s = this.step(id);
    s.state = outcome.status;
    s.attempts += outcome.attempt ?? 1;
    s.message = outcome.message;
    s.details = outcome.details;
    s.metrics = outcome.metrics;
    // A label from the config, for the report; no step reads it.
    s.simulated = this.input.config.simulatedTarget !== undefined || undefined;
    s.notVerified = outcome.notVerified;
    this.stepEnded(s);
  }

  stepFailed(id: string, failure: { message: string; type?: string; details?: string[]; attempts: number }): void {
    const s = this.step(id);
    s.state = 'failed';
    s.failedOnce = true;
    s.attempts += failure.attempts;
    s.message = failure.message;
    s.failureType = failure.type;
    s.details = failure.details;
    this.stepEnded(s);
  }

  stepSkipped(id: string, message: string): void {
    const s = this.step(id);
    s.state = 'skipped';
    s.message = message;
    if (s.startedAt !== undefined) this.stepEnded(s);
  }

  private stepEnded(s: StepProgress): void {
    s.finishedAt = Date.now();
    s.durationMs += s.finishedAt - (s.startedAt ?? s.finishedAt);
  }

  finish(state: RunState, outcome: RunOutcome, message: string): void {
    this.state = state;
    this.outcome = outcome;
    this.outcomeMessage = message;
    this.finishedAt = Date.now();
    // What was still in flight when the run ended early did not finish: say so instead of leaving it "running".
    for (const s of this.steps.values()) {
      if (s.state === 'running') this.stepSkipped(s.id, `stopped: the run ended (${outcome})`);
      if (s.state === 'blocked') s.state = 'failed'; // it failed, and nobody will decide any more
    }
    for (const p of this.phases.values()) if (p.state === 'running') this.phaseFinished(p.id, 'failed');
  }

  snapshot(): Progress {
    const now = this.finishedAt ?? Date.now();
    const steps = [...this.steps.values()].map((s) => ({ ...s, resolutions: [...s.resolutions] }));
    const phases = [...this.phases.values()].map((p) => ({
      ...p,
      durationMs: p.state === 'running' && p.startedAt !== undefined ? now - p.startedAt : p.durationMs,
    }));
    const { metrics, criteria } = computeMetrics(steps, phases, this.startedAt, now);
    return {
      workflowId: this.workflowId,
      cluster: this.input.config.cluster.name,
      state: this.state,
      outcome: this.outcome,
      outcomeMessage: this.outcomeMessage,
      currentPhase: this.shownPhase(),
      currentSteps: steps.filter((s) => s.state === 'running' || s.state === 'blocked').map((s) => s.id),
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      simulatedTarget: this.input.config.simulatedTarget,
      ...(this.trust
        ? {
            decisions: {
              mode: this.trust.mode,
              source: this.trust.source,
              approvers: this.trust.approvers.map((a) => ({ name: a.name, fingerprint: a.fingerprint })),
            },
          }
        : {}),
      ...(this.plannedBy !== undefined ? { plannedBy: this.plannedBy } : {}),
      phases,
      steps,
      gates: [...this.gates.values()].map((g) => ({ ...g })),
      compensations: [...this.compensations],
      metrics,
      criteria,
    };
  }
}

function newStep(def: StepDefinition): StepProgress {
  return {
    id: def.id,
    phase: def.phase,
    group: def.group,
    title: def.title,
    blocking: def.blocking,
    component: def.component,
    state: 'pending',
    attempts: 0,
    executions: 0,
    durationMs: 0,
    failedOnce: false,
    resolutions: [],
  };
}
