// Records a finished run's history into test/histories/ when RECORD_HISTORIES=1, with the official `temporal` CLI
// (its JSON is what `temporal workflow show --output json` gives users, and what the replayer reads).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../../src/tools/tool-paths';
import { temporalAddress } from './temporal';

export const HISTORIES_DIR = join(__dirname, '..', 'histories');

export function recordHistory(workflowId: string, name: string): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const json = execFileSync(
    toolPath('TEMPORAL_CLI', 'temporal'),
    ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', temporalAddress()],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), json);
}
