// The real Temporal server (go.temporal.io/server, the version docker-compose.yml runs) for `sandbox up --temporal
// server`: PostgreSQL for history and visibility (so that the search attributes work as in production), the schema
// set up and the namespace made by the same scripts the compose deployment runs (deploy/temporal/), the same
// dynamic config, every service on 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { toolPath } from '../../../../src/tools/tool-paths';
import { freePort, portIsFree, repoRoot, spawnDaemon, waitForPort } from '../processes';
import { startPostgres, type SandboxPostgres } from './postgres';
import { makeTemporalTls, serverTlsConfig } from './tls';
import { TEMPORAL_TLS_SERVER_NAME, temporalTlsEnv, type TemporalTlsFiles } from './tls-files';

export interface SandboxTemporalServer {
  pid: number;
  configFile: string;
  postgres: SandboxPostgres;
  /** mTLS: the frontend refuses a client without a certificate of the sandbox's CA. */
  tls: TemporalTlsFiles;
  /** The Web UI server, a client of the frontend like any other (with the client certificate). */
  ui: { pid: number; url: string };
}

const DB = { history: 'temporal', visibility: 'temporal_visibility' };
// docker-compose.yml's NUM_HISTORY_SHARDS default: a server and its database agree on it for good.
export const HISTORY_SHARDS = 4;

/**
 * A free port below 32768: the server records its services' ports in PostgreSQL as smallint (cluster_membership),
 * so one from the kernel's ephemeral range (32768 and up) stops it at start.
 */
async function serverPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (!taken.has(port) && (await portIsFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32767 for the Temporal server');
}

function datastore(pg: SandboxPostgres, database: string, maxConns: number): Record<string, unknown> {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: readFileSync(pg.passwordFile, 'utf8').trim(),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

/** The server's static config: written once per sandbox (0600: it holds the database password). */
async function writeServerConfig(dir: string, frontendPort: number, pg: SandboxPostgres, tls: TemporalTlsFiles): Promise<string> {
  const taken = new Set([frontendPort]);
  const port = () => serverPort(taken);
  const service = async (grpcPort: number) => ({ rpc: { grpcPort, membershipPort: await port(), bindOnLocalHost: true } });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: { 'postgres-default': datastore(pg, DB.history, 20), 'postgres-visibility': datastore(pg, DB.visibility, 5) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: serverTlsConfig(tls),
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${await freePort()}` } },
    },
    services: {
      frontend: { rpc: { ...(await service(frontendPort)).rpc, httpPort: await port() } },
      matching: await service(await port()),
      history: await service(await port()),
      worker: await service(await port()),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${frontendPort}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: join(repoRoot(), 'deploy', 'temporal', 'dynamicconfig.yaml'), pollInterval: '60s' },
  };
  // The server reads <root>/<config dir>/<environment>.yaml.
  mkdirSync(join(dir, 'temporal-server'), { recursive: true, mode: 0o700 });
  const file = join(dir, 'temporal-server', `${SERVER_ENVIRONMENT}.yaml`);
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

async function runScript(script: string, env: Record<string, string>, what: string): Promise<void> {
  try {
    await promisify(execFile)('sh', [join(repoRoot(), 'deploy', 'temporal', script)], { env: { ...process.env, ...env }, timeout: 180_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${what} failed (deploy/temporal/${script}): ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-8).join('\n')}`);
  }
}

const SERVER_ENVIRONMENT = 'sandbox';

/** Starts the server with the config file writeServerConfig wrote (its folder's parent is the server's root). */
export function startTemporalServerProcess(configFile: string, logFile: string): number {
  const configDir = dirname(configFile);
  return spawnDaemon(
    toolPath('TEMPORAL_SERVER', 'temporal-server'),
    ['--root', dirname(configDir), '--config', basename(configDir), '--env', SERVER_ENVIRONMENT, '--allow-no-auth', 'start'],
    logFile,
  );
}

/** PostgreSQL, the schema, the server and the namespace with cozy-proxmox's search attributes; `started` collects pids. */
export async function startTemporalServer(
  dir: string,
  frontendPort: number,
  uiPort: number,
  logs: { temporal: string; postgres: string; ui: string },
  started: number[],
  say: (m: string) => void,
): Promise<SandboxTemporalServer> {
  const pgPort = await freePort();
  say(`starting PostgreSQL on 127.0.0.1:${pgPort} (data in ${join(dir, 'postgres')})`);
  const pg = await startPostgres(dir, pgPort, logs.postgres);
  started.push(pg.pid);
  say('setting up the Temporal schema (deploy/temporal/setup-schema.sh, temporal-sql-tool)');
  await runScript('setup-schema.sh', {
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: readFileSync(pg.passwordFile, 'utf8').trim(),
    DBNAME: DB.history,
    VISIBILITY_DBNAME: DB.visibility,
    SCHEMA_ROOT: toolPath('TEMPORAL_SCHEMA_DIR', 'temporal-server'),
    PATH: `${dirname(toolPath('TEMPORAL_SQL_TOOL', 'temporal-server'))}:${process.env.PATH ?? ''}`,
  }, 'the Temporal schema setup');
  const tls = makeTemporalTls(dir);
  const configFile = await writeServerConfig(dir, frontendPort, pg, tls);
  say(`starting the Temporal server on 127.0.0.1:${frontendPort} (PostgreSQL persistence and visibility, mTLS with the CA ${tls.ca})`);
  const pid = startTemporalServerProcess(configFile, logs.temporal);
  started.push(pid);
  await waitForPort(frontendPort, `the Temporal server (see ${logs.temporal})`, 120_000, pid);
  say('making the namespace and the search attributes (deploy/temporal/setup-namespace.sh)');
  await runScript('setup-namespace.sh', {
    TEMPORAL_ADDRESS: `127.0.0.1:${frontendPort}`,
    TEMPORAL_NAMESPACE: 'default',
    ...temporalTlsEnv(tls),
    PATH: `${dirname(toolPath('TEMPORAL_CLI', 'temporal'))}:${process.env.PATH ?? ''}`,
  }, 'the namespace setup');
  const ui = await startTemporalUi(dir, frontendPort, uiPort, tls, logs.ui);
  started.push(ui.pid);
  say(`Temporal Web UI at ${ui.url}`);
  return { pid, configFile, postgres: pg, tls, ui };
}

/** The Web UI server (the version docker-compose.yml's temporal-ui runs), pointed at the frontend over mTLS. */
async function startTemporalUi(dir: string, frontendPort: number, uiPort: number, tls: TemporalTlsFiles, logFile: string): Promise<{ pid: number; url: string }> {
  const url = `http://127.0.0.1:${uiPort}`;
  const config = {
    temporalGrpcAddress: `127.0.0.1:${frontendPort}`,
    host: '127.0.0.1',
    port: uiPort,
    enableUi: true,
    defaultNamespace: 'default',
    notifyOnNewVersion: false,
    refreshInterval: '1m',
    cors: { allowOrigins: [url], cookieInsecure: true },
    tls: { caFile: tls.ca, certFile: tls.clientCert, keyFile: tls.clientKey, serverName: TEMPORAL_TLS_SERVER_NAME, enableHostVerification: true },
  };
  const configDir = join(dir, 'temporal-ui');
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(configDir, `${SERVER_ENVIRONMENT}.yaml`), stringify(config), { mode: 0o600 });
  const pid = spawnDaemon(toolPath('TEMPORAL_UI_SERVER', 'temporal-server'), ['--root', dir, '--config', 'temporal-ui', '--env', SERVER_ENVIRONMENT, 'start'], logFile);
  await waitForPort(uiPort, `the Temporal Web UI (see ${logFile})`, 60_000, pid);
  return { pid, url };
}


