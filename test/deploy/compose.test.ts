// docker-compose.yml and the Dockerfile: the compose file is valid (by `docker compose config` where the compose
// plugin is installed, otherwise by the compose-spec JSON schema that the dclint package ships), publishes ports on
// 127.0.0.1 only, wires the UI to the codec server, and runs real cozy-proxmox commands; the image runs one too,
// as a non-root user.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Ajv from 'ajv';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { WORKER_NODE_FLAGS } from '../../src/worker-memory';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';
import { REPO_ROOT } from '../helpers/cli';
import { checkCommandLine } from './cli-grammar';
import { COMPOSE_FILE, interpolate, loadCompose, type ComposeModel, type ComposeService } from './compose-file';

const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const model = loadCompose({});
const codecEnv = {
  COZY_PROXMOX_CODEC_KEY_FILE: '/run/cozy-proxmox/codec.keys',
  TEMPORAL_CODEC_ENDPOINT: 'http://127.0.0.1:8081',
};

const hasComposePlugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

function schemaFile(): string | undefined {
  try {
    return join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  } catch {
    return undefined;
  }
}

/** Validation errors of a compose model (empty when valid), by whichever validator this machine has. */
function validate(text: string, env: Record<string, string>): string[] {
  if (hasComposePlugin) {
    // Relative paths (build: ., ./deploy) resolve against the repository, as for the real file.
    const dir = mkdtempSync(join(tmpdir(), 'cozy-compose-check-'));
    try {
      writeFileSync(join(dir, 'docker-compose.yml'), text);
      const res = spawnSync('docker', ['compose', '-f', join(dir, 'docker-compose.yml'), '--project-directory', REPO_ROOT, 'config', '--quiet'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      });
      return res.status === 0 ? [] : [res.stderr.trim() || `docker compose config exited ${res.status}`];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const file = schemaFile();
  if (!file) {
    throw new Error(
      'no compose validator here: install the docker compose plugin, or the dclint npm package (devDependency) whose compose-spec schema this test uses',
    );
  }
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  // The schema names the draft-07 meta-schema by its https address, which Ajv knows by the http one: same draft.
  const { $schema: _meta, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const check = ajv.compile(schema);
  const ok = check(loadCompose(env, text));
  return ok ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

const services = (m: ComposeModel = model) => Object.entries(m.services);

function envOf(svc: ComposeService): Record<string, string> {
  if (Array.isArray(svc.environment)) {
    return Object.fromEntries(svc.environment.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, v ?? '']));
}

test(`the compose file is valid (${hasComposePlugin ? 'docker compose config' : 'compose-spec schema'}), with and without the codec profile settings`, () => {
  expect(validate(composeText, {})).toEqual([]);
  expect(validate(composeText, codecEnv)).toEqual([]);
});

test('the validator rejects a broken compose file', () => {
  const broken = loadCompose({});
  (broken.services.worker as Record<string, unknown>).restart_policy = 'always'; // not a compose key
  (broken.services.temporal as Record<string, unknown>).ports = [{ published: 'not-a-port', target: 'x' }];
  expect(validate(stringify(broken), {}).length).toBeGreaterThan(0);
});

test('the stack: PostgreSQL, schema setup with temporal-sql-tool, Temporal, namespace setup, UI, worker, codec server', () => {
  const images = Object.fromEntries(services().map(([name, s]) => [name, s.image?.split(':')[0]]));
  expect(images).toEqual({
    postgresql: 'postgres',
    'temporal-schema': 'temporalio/admin-tools',
    temporal: 'temporalio/server',
    'temporal-namespace': 'temporalio/admin-tools',
    'temporal-ui': 'temporalio/ui',
    worker: 'cozy-proxmox',
    'codec-server': 'cozy-proxmox',
  });
  expect(model.services.worker.build).toBe('.');
  expect(model.services['codec-server'].profiles).toEqual(['codec']);
  expect(envOf(model.services.temporal).DB).toBe('postgres12');
  expect(model.services.temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
  expect(model.services.worker.depends_on).toEqual({ 'temporal-namespace': { condition: 'service_completed_successfully' } });
  // Each script the one-shot containers run is there and parses.
  for (const script of ['setup-schema.sh', 'setup-namespace.sh']) {
    const res = spawnSync('sh', ['-n', join(REPO_ROOT, 'deploy', 'temporal', script)], { encoding: 'utf8' });
    expect(`${script}: ${res.status} ${res.stderr}`).toBe(`${script}: 0 `);
  }
  const schema = readFileSync(join(REPO_ROOT, 'deploy', 'temporal', 'setup-schema.sh'), 'utf8');
  expect(schema).toMatch(/temporal-sql-tool --plugin postgres12/);
  expect(schema).toMatch(/update-schema -d/);
  const namespace = readFileSync(join(REPO_ROOT, 'deploy', 'temporal', 'setup-namespace.sh'), 'utf8');
  expect(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).filter((n) => !namespace.includes(n))).toEqual([]);
});

test('every published port is bound to 127.0.0.1, whatever the port settings', () => {
  const moved = loadCompose({ TEMPORAL_PORT: '17233', TEMPORAL_UI_PORT: '18080', COZY_PROXMOX_CODEC_PORT: '18081' });
  const published = services(moved).flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name} ${typeof p === 'string' ? p : JSON.stringify(p)}`));
  expect(published).toEqual(['temporal 127.0.0.1:17233:7233', 'temporal-ui 127.0.0.1:18080:8080', 'codec-server 127.0.0.1:18081:8081']);
});

test('the worker and codec server run locked down: read-only root, no capabilities, no new privileges', () => {
  for (const name of ['worker', 'codec-server']) {
    const svc = model.services[name] as ComposeService & { read_only?: boolean; cap_drop?: string[]; security_opt?: string[] };
    expect({ name, readOnly: svc.read_only, capDrop: svc.cap_drop, securityOpt: svc.security_opt }).toEqual({
      name,
      readOnly: true,
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges:true'],
    });
  }
  // PostgreSQL is reachable from the compose network only.
  expect(model.services.postgresql.ports).toBeUndefined();
});

test('configuration by environment with defaults: codec off unless a key file is given', () => {
  const worker = envOf(model.services.worker);
  expect(worker.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(worker.TEMPORAL_NAMESPACE).toBe('default');
  expect(worker.TEMPORAL_TASK_QUEUE).toBe('cozy-proxmox');
  expect(worker.COZY_PROXMOX_CODEC_KEY_FILE).toBe('');
  expect(worker.COZY_PROXMOX_WORKER_POLICY).toBe('');
  expect(worker.COZY_PROXMOX_METRICS_ADDRESS).toBe('0.0.0.0:9464');
  expect(worker.COZY_PROXMOX_HEALTH_ADDRESS).toBe('127.0.0.1:9465');
  // The healthcheck asks the address the worker serves its probes on.
  expect(JSON.stringify((model.services.worker as { healthcheck?: { test?: string[] } }).healthcheck?.test)).toContain('http://127.0.0.1:9465/healthz');
  expect(envOf(loadCompose({ COZY_PROXMOX_WORKER_POLICY: '/run/cozy-proxmox/policy.yaml' }).services.worker).COZY_PROXMOX_WORKER_POLICY).toBe('/run/cozy-proxmox/policy.yaml');
  expect(envOf(model.services['temporal-ui']).TEMPORAL_CODEC_ENDPOINT).toBe('');
  const on = loadCompose({ ...codecEnv, TEMPORAL_TASK_QUEUE: 'cozy-prod' });
  expect(envOf(on.services.worker).COZY_PROXMOX_CODEC_KEY_FILE).toBe('/run/cozy-proxmox/codec.keys');
  expect(envOf(on.services.worker).TEMPORAL_TASK_QUEUE).toBe('cozy-prod');
  // The UI calls the codec server the compose file publishes, and the codec server lets the UI's origin in.
  const ui = envOf(on.services['temporal-ui']);
  expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe('http://127.0.0.1:8081');
  const codecArgs = on.services['codec-server'].command as string[];
  expect(codecArgs[codecArgs.indexOf('--cors-origin') + 1]).toBe(ui.TEMPORAL_CORS_ORIGINS);
  expect(codecArgs[codecArgs.indexOf('--key-file') + 1]).toBe('/run/cozy-proxmox/codec.keys');
  // Every variable reference has a default (or is a $$ escape), so a bare `docker compose up` works.
  const bare = [...composeText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
  expect(bare).toEqual([]);
  expect(() => interpolate(composeText, {})).not.toThrow();
});

test('the compose commands are real cozy-proxmox commands with real options', () => {
  for (const name of ['worker', 'codec-server']) {
    const command = model.services[name].command as string[];
    expect(`${name}: ${checkCommandLine(command).join('; ')}`).toBe(`${name}: `);
  }
});

describe('Dockerfile', () => {
  // Continuation lines joined, as Docker reads them.
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const instruction = (name: string) => [...dockerfile.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gm'))].map((m) => m[1].trim());

  test('builds from node:20 with npm ci, npm run build and a production prune', () => {
    expect(instruction('ARG')).toContain('NODE_VERSION=20');
    expect(instruction('FROM').filter((f) => f.startsWith('node:${NODE_VERSION}'))).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(instruction('ENV').join(' ')).toMatch(/TEMPORAL_ADDRESS=.*TEMPORAL_NAMESPACE=.*TEMPORAL_TASK_QUEUE=.*COZY_PROXMOX_CODEC_KEY_FILE=/s);
  });

  test('the launcher starts Node with the worker\'s flags too, when run as a command', () => {
    const shebang = readFileSync(join(REPO_ROOT, 'bin', 'cozy-proxmox.js'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${WORKER_NODE_FLAGS.join(' ')}`);
  });

  test('runs `node bin/cozy-proxmox.js worker` with the worker\'s Node flags as a non-root user', () => {
    const users = instruction('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    const [entrypoint] = instruction('ENTRYPOINT').map((e) => JSON.parse(e) as string[]);
    const [cmd] = instruction('CMD').map((e) => JSON.parse(e) as string[]);
    expect(entrypoint).toEqual(['node', ...WORKER_NODE_FLAGS, 'bin/cozy-proxmox.js']);
    expect(cmd).toEqual(['worker']);
    expect(checkCommandLine(cmd)).toEqual([]);
    // The files the image runs from are the ones the build makes or copies.
    expect(dockerfile).toMatch(/COPY bin \.\/bin/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(readFileSync(join(REPO_ROOT, 'bin', 'cozy-proxmox.js'), 'utf8')).toContain("require('../dist/src/cli/main.js')");
  });

  test("carries the providers' components the provider chart ships, where the chart step looks for them", () => {
    expect(dockerfile).toMatch(/RUN COZY_PROXMOX_CACHE=\/cache bash scripts\/tools\.sh capi-components /);
    expect(dockerfile).toMatch(/COPY --from=components \/out \.\/components/);
    const env = instruction('ENV').join(' ');
    for (const [key, dir] of [['COMPONENTS_CAPMOX', 'capmox'], ['COMPONENTS_CAPI_IPAM', 'capi-ipam']]) {
      expect(env).toContain(`${key}=/app/components/${dir}`);
      expect(dockerfile).toContain(`/out/${dir}`);
      expect(readFileSync(join(REPO_ROOT, 'scripts', 'tools', 'capi-components.sh'), 'utf8')).toContain(`emit ${key} `);
    }
  });

  test('the build context leaves out local state and secrets', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist', 'deploy/secrets', '.env']));
    for (const needed of ['src', 'bin', 'charts', 'scripts', 'package.json', 'package-lock.json']) expect(ignored).not.toContain(needed);
  });
});

test('the grammar check itself refuses unknown commands and options', () => {
  expect(checkCommandLine(['worker', '--max-concurrent-activities', '4'])).toEqual([]);
  expect(checkCommandLine(['wrker'])).toEqual([expect.stringMatching(/"wrker" is not a cozy-proxmox command/)]);
  expect(checkCommandLine(['worker', '--concurrency', '4'])).toEqual([expect.stringMatching(/cozy-proxmox worker: unknown option --concurrency/)]);
  expect(checkCommandLine(['sandbox', 'start'])).toEqual([expect.stringMatching(/cozy-proxmox sandbox has no subcommand "start"/)]);
  expect(checkCommandLine(['sandbox', 'up|down|status', '--json'])).toEqual([]);
  expect(checkCommandLine(['--help'])).toEqual([]);
});
