// The plan's metrics and success criteria, computed from step and phase progress. Pure: used by the workflow's
// progress query and by the report renderers alike, so both always agree.
import { TEST_STEP_GROUPS, type TestStepGroup } from '../catalogue/phases';
import type { GroupResult, PhaseProgress, PlanMetrics, StepProgress, SuccessCriteria } from './progress';

const SUCCESS_RATE_THRESHOLD = 95;

export function groupResult(steps: StepProgress[], group: TestStepGroup): GroupResult {
  const members = steps.filter((s) => s.group === group);
  if (members.length === 0) return 'not-planned';
  if (members.some((s) => s.state === 'failed' || s.state === 'blocked')) return 'failed';
  // A check that could not be carried out proves nothing: the test step is not passed, whatever the others did.
  if (members.some((s) => s.notVerified !== undefined)) return 'not-verified';
  // A step that skipped itself (e.g. snapshots where the driver has none) does not fail its group; one an operator
  // skipped after it failed does.
  const ok = (s: StepProgress) => s.state === 'passed' || s.state === 'warning' || (s.state === 'skipped' && !s.failedOnce);
  if (members.every(ok) && members.some((s) => s.state === 'passed' || s.state === 'warning')) return 'passed';
  return 'incomplete';
}

export function computeCriteria(steps: StepProgress[], successRate: number): SuccessCriteria {
  const testSteps = Object.fromEntries(TEST_STEP_GROUPS.map((g) => [g, groupResult(steps, g)])) as Record<
    TestStepGroup,
    GroupResult
  >;
  const allTestStepsPass = TEST_STEP_GROUPS.every((g) => testSteps[g] === 'passed');
  const successRateAbove95 = successRate > SUCCESS_RATE_THRESHOLD;
  return { testSteps, allTestStepsPass, successRateAbove95, met: allTestStepsPass && successRateAbove95 };
}

export function computeMetrics(
  steps: StepProgress[],
  phases: PhaseProgress[],
  startedAt: number,
  now: number,
): { metrics: PlanMetrics; criteria: SuccessCriteria } {
  const count = (pred: (s: StepProgress) => boolean) => steps.filter(pred).length;
  const passed = count((s) => s.state === 'passed');
  const warnings = count((s) => s.state === 'warning');
  const failed = count((s) => s.state === 'failed' || s.state === 'blocked');
  const skipped = count((s) => s.state === 'skipped');
  const testsCompleted = passed + warnings + failed;
  const successRate = testsCompleted === 0 ? 0 : round1(((passed + warnings) / testsCompleted) * 100);
  const issuesFound = count((s) => s.failedOnce);
  const issuesFixed = count((s) => s.failedOnce && (s.state === 'passed' || s.state === 'warning'));
  const components = new Set<string>();
  for (const s of steps) if (s.component && (s.state === 'passed' || s.state === 'warning')) components.add(s.component);
  const phaseMs: PlanMetrics['phaseMs'] = {};
  for (const p of phases) if (p.startedAt !== undefined) phaseMs[p.id] = p.durationMs;
  const criteria = computeCriteria(steps, successRate);
  // Readiness: the share of the success criteria met, counting each of the 8 test steps and the success rate.
  const criteriaMet = TEST_STEP_GROUPS.filter((g) => criteria.testSteps[g] === 'passed').length + (criteria.successRateAbove95 ? 1 : 0);
  const productionReadiness = round1((criteriaMet / (TEST_STEP_GROUPS.length + 1)) * 100);
  return {
    metrics: {
      testsTotal: steps.length,
      testsCompleted,
      passed,
      warnings,
      failed,
      skipped,
      successRate,
      issuesFound,
      issuesFixed,
      executionMs: Math.max(0, now - startedAt),
      phaseMs,
      integratedComponents: [...components].sort(),
      productionReadiness,
    },
    criteria,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
