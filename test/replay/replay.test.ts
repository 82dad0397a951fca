// Replays committed histories of real runs through the current workflow code. A change that is not deterministic
// (a different command sequence for the same history) fails here instead of breaking running workflows.
//
// test/histories/*.json: engine paths recorded by test/workflow (again, after an intended, versioned change:
// RECORD_HISTORIES=1 npm test -- test/workflow). test/histories/<release>/: each release's four full four-phase
// sandbox runs, recorded by scripts/record-histories.sh when the release is made (runbooks/maintenance.md); they stay,
// so every later release proves it continues the runs an earlier one started.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../helpers/record-history';

/** The kinds of run the history recorder (packages/sandbox/src/record-histories.ts) records for every release. */
const RELEASE_KINDS = ['blocked-on-step', 'cancelled-with-compensation', 'finished', 'waiting-at-gate'];
const RELEASE_DIR = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

function historyFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const path = join(dir, f);
      if (statSync(path).isDirectory()) return historyFiles(path);
      return f.endsWith('.json') ? [path] : [];
    })
    .sort();
}

const files = historyFiles(HISTORIES_DIR).map((f) => relative(HISTORIES_DIR, f));
const releases = readdirSync(HISTORIES_DIR).filter((f) => RELEASE_DIR.test(f) && statSync(join(HISTORIES_DIR, f)).isDirectory());

test('the committed histories cover the engine\'s paths', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'aborted-with-compensation.json',
      'blocked-step-retried.json',
      'cancelled-with-compensation.json',
      'four-phases-manual-gates.json',
      'skipped-step.json',
    ]),
  );
});

test('every release has its four sandbox runs recorded', () => {
  expect(releases.length).toBeGreaterThan(0);
  for (const release of releases) {
    const kinds = readdirSync(join(HISTORIES_DIR, release)).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect({ release, kinds: kinds.sort() }).toEqual({ release, kinds: expect.arrayContaining(RELEASE_KINDS) });
  }
});

test.each(files)('replays %s deterministically', async (file) => {
  const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE as string } }, history, file);
});
