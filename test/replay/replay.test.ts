// Replays committed histories of real runs through the current workflow code. A change that is not deterministic
// (a different command sequence for the same history) fails here instead of breaking running workflows.
// Record them again (after an intended, versioned change) with: RECORD_HISTORIES=1 npm test -- test/workflow
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../helpers/record-history';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

test('the committed histories cover the engine\'s paths', () => {
  expect(files.sort()).toEqual(
    expect.arrayContaining([
      'aborted-with-compensation.json',
      'blocked-step-retried.json',
      'cancelled-with-compensation.json',
      'four-phases-manual-gates.json',
      'skipped-step.json',
    ]),
  );
});

test.each(files)('replays %s deterministically', async (file) => {
  const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE as string } }, history, file);
});
