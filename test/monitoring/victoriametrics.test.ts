// Step 7 against CozyStack's kind of monitoring stack: VictoriaMetrics (Debian's single-node build, the real program)
// scraping the real prometheus-pve-exporter with the sandbox's scrape job, the exporter logged in with the
// PVEAuditor-only token of the simulator's default seed. monitoring.prometheus points at VictoriaMetrics'
// Prometheus-compatible API: the targets and the Proxmox series are found there as in Prometheus.
// Then the cluster's split, as CozyStack runs it: vmagent scrapes and writes to a storage that only answers queries
// (vmselect's part, played by a second single-node VictoriaMetrics without scrape config): monitoring.prometheus is
// the query API and monitoring.scraper vmagent.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runOf } from '../helpers/steps';
import type { StepInput, StepOutcome } from '../../src/catalogue/types';
import { integrationConfigSchema } from '../../src/config/schema';
import { toolPath } from '../../src/tools/tool-paths';
import { waitForPrometheusSeries, type SandboxMonitoring } from '../../packages/sandbox/src/monitoring';
import { startExporterMonitoring } from '../helpers/exporter-monitoring';
import { freePort, spawnDaemon, stopProcess, waitForPort } from '../../packages/sandbox/src/processes';
import { EXPORTER_TOKEN_ID, EXPORTER_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';

const NODE = 'pve1';
let sim: RunningSimulator;
let dir: string;
let monitoring: SandboxMonitoring;
let vmPid: number | undefined;
let vmUrl: string;
let storagePid: number | undefined;
let storageUrl: string;
let vmagentPid: number | undefined;
let vmagentUrl: string;

async function startVictoriaMetrics(name: string, binary: string, args: string[]): Promise<{ pid: number; url: string }> {
  const port = await freePort();
  mkdirSync(join(dir, name));
  const pid = spawnDaemon(binary, [`-httpListenAddr=127.0.0.1:${port}`, ...args], join(dir, name, `${name}.log`));
  await waitForPort(port, name, 30_000, pid);
  return { pid, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cozy-vm-'));
  sim = await startProxmoxSimulator({ dataDir: join(dir, 'proxmox') });
  monitoring = await startExporterMonitoring(join(dir, 'sandbox'), sim, { id: EXPORTER_TOKEN_ID, secret: EXPORTER_TOKEN_SECRET });
  // By default a query does not see the last 30 s: the test reads what was just scraped.
  const latency = '-search.latencyOffset=1s';
  // The sandbox's Prometheus config: VictoriaMetrics and vmagent take its scrape_configs and skip Prometheus-only keys.
  const scrape = [`-promscrape.config=${monitoring.files.prometheusConfig}`, '-promscrape.config.strictParse=false'];
  ({ pid: vmPid, url: vmUrl } = await startVictoriaMetrics('vm', toolPath('VICTORIA_METRICS', 'monitoring'), [`-storageDataPath=${join(dir, 'vm', 'data')}`, ...scrape, latency]));
  ({ pid: storagePid, url: storageUrl } = await startVictoriaMetrics('storage', toolPath('VICTORIA_METRICS', 'monitoring'), [`-storageDataPath=${join(dir, 'storage', 'data')}`, latency]));
  ({ pid: vmagentPid, url: vmagentUrl } = await startVictoriaMetrics('vmagent', toolPath('VMAGENT', 'monitoring'), [
    ...scrape,
    `-remoteWrite.url=${storageUrl}/api/v1/write`,
    `-remoteWrite.tmpDataPath=${join(dir, 'vmagent', 'buffer')}`,
  ]));
  await waitForPrometheusSeries(vmUrl, `pve_up{id="node/${NODE}"}`, 60_000);
  await waitForPrometheusSeries(storageUrl, `pve_up{id="node/${NODE}"}`, 60_000);
}, 150_000);

afterAll(async () => {
  await stopProcess(vmagentPid);
  await stopProcess(storagePid);
  await stopProcess(vmPid);
  await monitoring?.stop();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const input = (stepId: string, monitoringConfig: Record<string, string> = { prometheus: vmUrl }): StepInput => ({
  stepId,
  workflowId: 'integrate-cluster-victoriametrics-test',
  config: integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'victoriametrics-test' },
    proxmox: { url: sim.url, node: NODE, token: { id: 'root@pam!cozy', secret: 'env:UNUSED_BY_STEP7' }, templateId: 9000, storage: 'local-lvm' },
    monitoring: monitoringConfig,
  }),
  outputs: {},
});

test('step7.prometheus-targets finds the exporter target up in VictoriaMetrics\' target list', async () => {
  const out = (await new MockActivityEnvironment().run(runOf('step7.prometheus-targets'), input('step7.prometheus-targets'))) as StepOutcome;
  expect(out.status).toBe('passed');
  expect(out.metrics?.pveTargets).toBe(1);
  expect(out.details?.[0]).toMatch(new RegExp(`^pve/${monitoring.target.replace(/\./g, '\\.')}: up \\(scrapes http://127\\.0\\.0\\.1:\\d+/pve\\?`));
});

test('step7.pve-metrics finds the node\'s and the storage\'s series, read with the auditor token', async () => {
  const out = await runOf('step7.pve-metrics')(input('step7.pve-metrics'));
  expect(out.status).toBe('passed');
  expect(out.details?.find((d) => d.startsWith(`pve_up{id="node/${NODE}"} = 1`))).toBeDefined();
  expect(out.details?.find((d) => d.startsWith('pve_node_info: name=pve1'))).toBeDefined();
});

describe('targets on vmagent, queries on the storage (monitoring.scraper)', () => {
  const split = () => ({ prometheus: storageUrl, scraper: vmagentUrl });

  test('step7.prometheus-targets reads the targets from vmagent and their scrapes from the storage', async () => {
    const out = await runOf('step7.prometheus-targets')(input('step7.prometheus-targets', split()));
    expect(out.status).toBe('passed');
    expect(out.metrics?.pveTargets).toBe(1);
    // up over the window comes from the storage: vmagent writes an `up` sample per scrape there.
    expect(out.details?.[0]).toMatch(/; scrapes up over 5m: \d+ of \d+$/);
  });

  test('step7.pve-metrics finds the series vmagent wrote to the storage', async () => {
    const out = await runOf('step7.pve-metrics')(input('step7.pve-metrics', split()));
    expect(out.status).toBe('passed');
  });

  test('without monitoring.scraper, a query API that scrapes nothing has no exporter target', async () => {
    await expect(runOf('step7.prometheus-targets')(input('step7.prometheus-targets', { prometheus: storageUrl }))).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^Prometheus at ${storageUrl} has no prometheus-pve-exporter target among its 0 active target\\(s\\).*needs monitoring\\.scraper, the vmagent that scrapes$`)),
    });
  });
});
