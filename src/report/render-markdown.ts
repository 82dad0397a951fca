// The report as Markdown: what an operator pastes into a change ticket.
import { PHASE_TITLES, TEST_STEP_GROUPS } from '../catalogue/phases';
import { deciderText, decisionsText, formatDuration, formatTime, STATE_MARK } from './format';
import type { Progress } from './progress';

const esc = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(p: Progress): string {
  const m = p.metrics;
  const lines: string[] = [];
  lines.push(`# Integration report: ${p.cluster}`, '');
  lines.push(`- Workflow: \`${p.workflowId}\``);
  lines.push(`- State: **${p.state}**${p.outcome ? ` (${p.outcome})` : ''}${p.outcomeMessage ? `: ${esc(p.outcomeMessage)}` : ''}`);
  lines.push(`- Started: ${formatTime(p.startedAt)}${p.finishedAt ? `, finished: ${formatTime(p.finishedAt)}` : ''}`);
  lines.push(`- Decisions: ${esc(decisionsText(p))}`);
  if (p.plannedBy) lines.push(`- Plan: built by the worker of release ${esc(p.plannedBy)}`);
  if (p.simulatedTarget) lines.push(`- Target: **${esc(p.simulatedTarget)}** — steps marked (simulated) ran against simulated parts, not real hardware`);
  lines.push('', '## Success criteria', '');
  lines.push(`- All 8 test steps pass: **${p.criteria.allTestStepsPass ? 'yes' : 'no'}**`);
  lines.push(`- Success rate above 95%: **${p.criteria.successRateAbove95 ? 'yes' : 'no'}** (${m.successRate}%)`);
  lines.push(`- Criteria met: **${p.criteria.met ? 'yes' : 'no'}**; production readiness ${m.productionReadiness}%`, '');
  lines.push('| Test step | Result |', '|---|---|');
  for (const g of TEST_STEP_GROUPS) lines.push(`| ${g} | ${p.criteria.testSteps[g]} |`);
  lines.push('', '## Metrics', '');
  lines.push(`- Tests completed: ${m.testsCompleted} of ${m.testsTotal} (passed ${m.passed}, warnings ${m.warnings}, failed ${m.failed}, skipped ${m.skipped})`);
  lines.push(`- Issues found: ${m.issuesFound}, fixed: ${m.issuesFixed}`);
  lines.push(`- Execution time: ${formatDuration(m.executionMs)}`);
  for (const [phase, ms] of Object.entries(m.phaseMs)) lines.push(`  - ${phase}: ${formatDuration(ms as number)}`);
  lines.push(`- Integrated components: ${m.integratedComponents.length > 0 ? m.integratedComponents.join(', ') : 'none'}`);
  for (const phase of p.phases) {
    const steps = p.steps.filter((s) => s.phase === phase.id);
    const gate = p.gates.find((g) => g.phase === phase.id);
    lines.push('', `## ${PHASE_TITLES[phase.id]} — ${phase.state}`, '');
    if (gate && gate.state !== 'pending') {
      const who = gate.decision === 'auto' ? `automatically (${gate.policy})` : deciderText(gate.by, gate.keyFingerprint);
      lines.push(`Gate: ${gate.state} ${who}${gate.decidedAt ? ` at ${formatTime(gate.decidedAt)}` : ''}${gate.comment ? ` — ${esc(gate.comment)}` : ''}${gate.reason ? ` — ${esc(gate.reason)}` : ''}`, '');
    }
    if (steps.length === 0) {
      lines.push('No steps planned.');
      continue;
    }
    lines.push('| Step | Result | Attempts | Duration | Message |', '|---|---|---|---|---|');
    for (const s of steps) {
      const mark = `${s.notVerified !== undefined ? 'NOT VERIFIED' : (STATE_MARK[s.state] ?? s.state)}${s.simulated ? ' (simulated)' : ''}`;
      lines.push(`| \`${s.id}\` ${esc(s.title)} | ${mark} | ${s.attempts} | ${formatDuration(s.durationMs)} | ${esc(s.message)} |`);
    }
    const decided = steps.flatMap((s) => s.resolutions.map((r) => `- \`${s.id}\`: ${r.action} ${deciderText(r.by, r.keyFingerprint)} at ${formatTime(r.at)}${r.comment ? ` — ${esc(r.comment)}` : ''}`));
    if (decided.length > 0) lines.push('', 'Decisions on failed steps:', '', ...decided);
    const details = steps.filter((s) => s.details && s.details.length > 0);
    for (const s of details) {
      lines.push('', `<details><summary>${s.id}</summary>`, '', ...(s.details ?? []).map((d) => `- ${esc(d)}`), '', '</details>');
    }
  }
  if (p.compensations.length > 0) {
    lines.push('', '## Cleanup', '');
    for (const c of p.compensations) lines.push(`- ${c.stepId}: ${c.activity} ${c.state}${c.message ? ` — ${esc(c.message)}` : ''}`);
  }
  return lines.join('\n') + '\n';
}
