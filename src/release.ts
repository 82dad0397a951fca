// This checkout's release: package.json's version. Recorded with every plan a worker builds (the run's report and
// history say which release planned it) and used by the history recorder to name the release's folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root';

let cached: string | undefined;

export function releaseVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
