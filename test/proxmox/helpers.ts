// Shared fixtures of the Proxmox suites: a simulator over HTTPS on loopback, clients for it, and step inputs whose
// config points at it (secrets as env: references, as a real config would hold them).
import { MockActivityEnvironment } from '@temporalio/testing';
import { integrationConfigSchema, IntegrationConfig, IntegrationConfigInput } from '../../src/config/schema';
import type { StepInput, StepOutcome } from '../../src/catalogue/types';
import { ProxmoxClient } from '../../src/proxmox/client';
import type { ProxmoxHttpOptions } from '../../src/proxmox/http';
import {
  DEFAULT_ROOT_PASSWORD,
  DEFAULT_TOKEN_ID,
  DEFAULT_TOKEN_SECRET,
  defaultSeedInput,
} from '../../packages/sandbox/src/proxmox-sim/default-seed';
import type { SimulatorSeedInput } from '../../packages/sandbox/src/proxmox-sim/seed';
import { startProxmoxSimulator } from '../../packages/sandbox/src/proxmox-sim';

export type Simulator = Awaited<ReturnType<typeof startProxmoxSimulator>>;

export const PASSWORD_ENV = 'COZY_TEST_PROXMOX_PASSWORD';
export const TOKEN_SECRET_ENV = 'COZY_TEST_PROXMOX_TOKEN_SECRET';
process.env[PASSWORD_ENV] = DEFAULT_ROOT_PASSWORD;
process.env[TOKEN_SECRET_ENV] = DEFAULT_TOKEN_SECRET;

export { DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, defaultSeedInput };

/**
 * The simulator's default seed, with the token holding everything the Cluster API provider documents: its
 * least-privilege setup gives PVEDataStoreAdmin on the storage for cloud-init ISOs, which includes
 * Datastore.AllocateTemplate (uploading the ISO).
 */
export function healthySeed(): SimulatorSeedInput {
  const seed = defaultSeedInput();
  seed.roles = (seed.roles ?? []).map((r) =>
    r.roleid === 'CozyCAPMOX' && !r.privs.includes('Datastore.AllocateTemplate') ? { ...r, privs: [...r.privs, 'Datastore.AllocateTemplate'] } : r,
  );
  return seed;
}

export function startSim(options: { seed?: SimulatorSeedInput; taskSpeed?: number } = {}): Promise<Simulator> {
  return startProxmoxSimulator({ tls: true, taskSpeed: options.taskSpeed ?? 0.02, seed: options.seed ?? healthySeed() });
}

export function tokenClient(sim: Simulator, extra: Partial<ProxmoxHttpOptions> = {}): ProxmoxClient {
  return new ProxmoxClient({
    url: sim.url,
    credentials: { kind: 'token', tokenId: DEFAULT_TOKEN_ID, secret: DEFAULT_TOKEN_SECRET },
    tls: { caFile: sim.caFile },
    ...extra,
  });
}

export function ticketClient(sim: Simulator, extra: Partial<ProxmoxHttpOptions> = {}): ProxmoxClient {
  return new ProxmoxClient({
    url: sim.url,
    credentials: { kind: 'ticket', username: 'root@pam', password: DEFAULT_ROOT_PASSWORD },
    tls: { caFile: sim.caFile },
    ...extra,
  });
}

export function simConfig(sim: Simulator, proxmox: Partial<IntegrationConfigInput['proxmox']> = {}): IntegrationConfig {
  return integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'test' },
    proxmox: {
      url: sim.url,
      node: 'pve1',
      username: 'root@pam',
      password: `env:${PASSWORD_ENV}`,
      token: { id: DEFAULT_TOKEN_ID, secret: `env:${TOKEN_SECRET_ENV}` },
      tls: { verify: true, caFile: sim.caFile },
      templateId: 9000,
      ...proxmox,
    },
  });
}

export function stepInput(config: IntegrationConfig, stepId: string, outputs: StepInput['outputs'] = {}): StepInput {
  return { stepId, workflowId: 'integrate-cluster-test', config, outputs };
}

/** Runs an activity function the way the worker would: inside an activity context (heartbeats, cancellation). */
export async function runActivity<T>(fn: (input: StepInput) => Promise<T>, input: StepInput): Promise<{ result: T; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const result = (await env.run(fn, input)) as T;
  return { result, heartbeats };
}

export type { StepOutcome };
