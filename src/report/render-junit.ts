// The report as JUnit XML, one test suite per phase, so CI systems show each step as a test case.
import { PHASE_TITLES } from '../catalogue/phases';
import type { Progress, StepProgress } from './progress';

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    // Characters XML 1.0 cannot carry.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, ''); // eslint-disable-line no-control-regex

// A check that could not be carried out did not run as a test: JUnit's "skipped", with the reason.
const isSkipped = (s: StepProgress) => s.notVerified !== undefined || s.state === 'skipped' || s.state === 'pending' || s.state === 'running';

function testCase(s: StepProgress): string {
  const name = `${s.id}${s.simulated ? ' (simulated)' : ''}`;
  const open = `    <testcase classname="${xml(s.phase)}${s.group ? '.' + xml(s.group) : ''}" name="${xml(name)}" time="${(s.durationMs / 1000).toFixed(3)}">`;
  const body: string[] = [];
  if (s.state === 'failed' || s.state === 'blocked') {
    body.push(`      <failure type="${xml(s.failureType ?? 'Failure')}" message="${xml(s.message ?? '')}">${xml((s.details ?? []).join('\n'))}</failure>`);
  } else if (isSkipped(s)) {
    body.push(`      <skipped message="${xml(s.notVerified !== undefined ? `not verified: ${s.notVerified}` : (s.message ?? s.state))}"/>`);
  }
  if (s.message && s.state !== 'failed' && s.state !== 'blocked') body.push(`      <system-out>${xml(s.message)}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

export function renderJunit(p: Progress): string {
  const suites = p.phases
    .filter((ph) => p.steps.some((s) => s.phase === ph.id))
    .map((ph) => {
      const steps = p.steps.filter((s) => s.phase === ph.id);
      const failures = steps.filter((s) => s.state === 'failed' || s.state === 'blocked').length;
      const skipped = steps.filter(isSkipped).length;
      return [
        `  <testsuite name="${xml(PHASE_TITLES[ph.id])}" tests="${steps.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(ph.durationMs / 1000).toFixed(3)}">`,
        ...steps.map(testCase),
        '  </testsuite>',
      ].join('\n');
    });
  const m = p.metrics;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cozy-proxmox ${xml(p.cluster)}" tests="${m.testsTotal}" failures="${m.failed}" skipped="${m.skipped}" time="${(m.executionMs / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
