// The Proxmox VE API simulator: a stand-in for a PVE server (HTTPS with its own CA, tickets and API tokens, ACLs,
// UPID tasks, VMs/templates/storage/network/certificates, fault injection) for tests, benchmarks and the sandbox.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { installAdmin } from './admin';
import { buildRouter } from './api';
import { certificateInfo, fingerprintOf, loadOrCreateCa, newKeys, nodeCertificate } from './certs';
import { Simulation } from './core';
import { defaultSeed } from './default-seed';
import { validateFaults, type FaultSettings } from './faults';
import { loadSeedFile, parseSeed, type SimulatorSeed, type SimulatorSeedInput } from './seed';
import { installApi, RequestLog, type ClientCounts } from './server';
import { SimulatorState } from './state';

export type { FaultSettings } from './faults';
export type { SimulatorSeed, SimulatorSeedInput } from './seed';
export { SeedError, parseSeed, loadSeedFile } from './seed';
export { SimulatorState } from './state';
export { defaultSeed, defaultSeedInput, DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, EXPORTER_TOKEN_ID, EXPORTER_TOKEN_SECRET, CAPMOX_PRIVILEGES, CSI_PRIVILEGES } from './default-seed';
export { SERVED_METHODS } from './schema/served-methods';

export interface SimulatorOptions {
  /** Seed object (validated) or path to a YAML/JSON seed file; the default seed when absent. */
  seed?: SimulatorSeed | SimulatorSeedInput | string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Default true (HTTPS with its own CA); false serves plain HTTP. */
  tls?: boolean;
  /** Where ca.pem, ca.key, server.pem and server.key are written (default: a fresh temporary directory). */
  dataDir?: string;
  faults?: FaultSettings;
  /** Multiplier on realistic task durations: 1 = realistic (a full clone of a 32G disk takes about 9 s). */
  taskSpeed?: number;
}

export interface RunningSimulator {
  /** e.g. https://127.0.0.1:PORT (no /api2/json suffix) */
  url: string;
  host: string;
  port: number;
  caFile?: string;
  caPem?: string;
  /** SHA-256 of the served certificate, "AB:CD:..." (32 pairs, upper case). */
  fingerprint?: string;
  dataDir: string;
  state: SimulatorState;
  faults: { set(f: FaultSettings): void; clear(): void; current(): FaultSettings };
  /** Task durations multiplier, changeable at run time. */
  setTaskSpeed(speed: number): void;
  /** Total /api2 requests served. */
  requestCount(): number;
  /** Requests per User-Agent since the start: count, 5xx answers, and per served method. */
  requestsByClient(): Record<string, ClientCounts>;
  stop(): Promise<void>;
}

function resolveSeed(seed: SimulatorOptions['seed']): SimulatorSeed {
  if (seed === undefined) return defaultSeed();
  if (typeof seed === 'string') return loadSeedFile(seed);
  return parseSeed(seed);
}

export async function startProxmoxSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const seed = resolveSeed(opts.seed);
  const host = opts.host ?? '127.0.0.1';
  const tls = opts.tls ?? true;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pve-sim-'));
  mkdirSync(dataDir, { recursive: true });

  const state = new SimulatorState(seed);
  const sim = new Simulation(state, opts.taskSpeed ?? 1);
  if (opts.faults) sim.setFaults(validateFaults(opts.faults));

  const nodes = [...state.nodes.values()];
  const [ca, ...nodeKeys] = await Promise.all([loadOrCreateCa(dataDir), ...nodes.map(() => newKeys())]);
  let served: { certPem: string; keyPem: string } | undefined;
  let first = true;
  for (const [i, node] of nodes.entries()) {
    const pair = nodeCertificate(ca, nodeKeys[i], node.name, node.certificate, first);
    if (first) served = pair;
    first = false;
    sim.certificates.set(node.name, [certificateInfo('pve-root-ca.pem', ca.certPem), certificateInfo('pve-ssl.pem', pair.certPem)]);
  }
  const caFile = join(dataDir, 'ca.pem');
  writeFileSync(join(dataDir, 'server.pem'), served!.certPem);
  writeFileSync(join(dataDir, 'server.key'), served!.keyPem, { mode: 0o600 });

  const app = tls
    ? Fastify({ logger: false, https: { key: served!.keyPem, cert: `${served!.certPem}${ca.certPem}` }, keepAliveTimeout: 30_000 })
    : Fastify({ logger: false, keepAliveTimeout: 30_000 });
  const log = new RequestLog();
  installApi(app, sim, buildRouter(), log);
  installAdmin(app, sim, log);
  await app.listen({ host, port: opts.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${port}`,
    host,
    port,
    caFile: tls ? caFile : undefined,
    caPem: tls ? ca.certPem : undefined,
    fingerprint: tls ? fingerprintOf(served!.certPem) : undefined,
    dataDir,
    state,
    faults: {
      set: (f) => sim.setFaults(validateFaults(f)),
      clear: () => sim.clearFaults(),
      current: () => sim.currentFaults(),
    },
    setTaskSpeed: (speed) => {
      sim.taskSpeed = speed;
    },
    requestCount: () => log.count,
    requestsByClient: () => log.byClient,
    stop: async () => {
      await sim.tasks.drain();
      await app.close();
    },
  };
}
