// The sandbox's production mode (`--temporal server`) runs what docker-compose.yml runs: the same server version,
// the same number of history shards (fixed for a database's life), the same dynamic config and setup scripts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_SHARDS } from '../../packages/sandbox/src/temporal/server';
import { REPO_ROOT } from '../helpers/cli';
import { loadCompose } from './compose-file';

const compose = loadCompose({});
const env = (service: string) => (compose.services[service] as { environment: Record<string, string> }).environment;
const image = (service: string) => (compose.services[service] as { image: string }).image;

test('the server and Web UI versions the tools build are the ones the compose file runs', () => {
  const script = readFileSync(join(REPO_ROOT, 'scripts', 'tools', 'temporal-server.sh'), 'utf8');
  const built = /^TEMPORAL_SERVER_VERSION=(\S+)$/m.exec(script)![1];
  expect(image('temporal')).toBe(`temporalio/server:${built}`);
  expect(image('temporal-schema')).toMatch(new RegExp(`^temporalio/admin-tools:${built.replace(/\./g, '\\.')}-`));
  expect(image('temporal-ui')).toBe(`temporalio/ui:${/^TEMPORAL_UI_VERSION=(\S+)$/m.exec(script)![1]}`);
});

test('same history shards, dynamic config and setup scripts', () => {
  expect(String(env('temporal').NUM_HISTORY_SHARDS)).toBe(String(HISTORY_SHARDS));
  const volumes = (compose.services.temporal as { volumes: string[] }).volumes;
  expect(volumes).toEqual(expect.arrayContaining([expect.stringMatching(/^\.\/deploy\/temporal\/dynamicconfig\.yaml:/)]));
  const server = readFileSync(join(REPO_ROOT, 'packages', 'sandbox', 'src', 'temporal', 'server.ts'), 'utf8');
  expect(server).toContain("join(repoRoot(), 'deploy', 'temporal', 'dynamicconfig.yaml')");
  for (const script of ['setup-schema.sh', 'setup-namespace.sh']) {
    expect(JSON.stringify(compose.services)).toContain(`/opt/cozy-proxmox/temporal/${script}`);
    expect(server).toContain(`'${script}'`);
  }
});
