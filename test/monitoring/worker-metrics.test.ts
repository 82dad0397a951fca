// The worker's own metrics: `cozy-proxmox worker --metrics-address` serves the SDK's Prometheus endpoint (task slots,
// pollers, requests to the server; activity latencies and failures once steps ran), as an operator scrapes it, and
// the worker dashboard the monitoring chart ships reads them from a real Prometheus.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { stringify } from 'yaml';
import { freePort, spawnDaemon, stopProcess, waitForPort } from '../../packages/sandbox/src/processes';
import { waitForPrometheusTarget } from '../../packages/sandbox/src/monitoring/http-wait';
import { cancelRun, startIntegration } from '../../src/client';
import { toolPath } from '../../src/tools/tool-paths';
import { REPO_ROOT, runCli, startCli } from '../helpers/cli';
import { testConfig } from '../helpers/plan';
import { connectTestEnv, cozyClientFor, temporalAddress, uniqueQueue } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const DASHBOARD_FILE = join(REPO_ROOT, 'dashboards', 'cozy-proxmox-worker.json');
const CHART_COPY = join(REPO_ROOT, 'charts', 'cozy-proxmox-monitoring', 'dashboards', 'cozy-proxmox-worker.json');

const workerEnv = () => ({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: uniqueQueue('metrics'), COZY_PROXMOX_LOG_LEVEL: 'WARN' });

test('serves the SDK metrics at http://HOST:PORT/metrics while it polls', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const worker = startCli(['worker', '--metrics-address', address], workerEnv(), 60_000);
  try {
    await waitFor(async () => worker.output().stderr, (err) => err.includes(`worker metrics at http://${address}/metrics`), 'the worker to start', 30_000);
    const metrics = await waitFor(
      async () => (await axios.get<string>(`http://${address}/metrics`, { responseType: 'text' }).catch(() => ({ data: '' }))).data,
      (text) => /^temporal_worker_task_slots_available\{.*worker_type="ActivityWorker".*\} 20$/m.test(text),
      'the task slot gauge',
      30_000,
    );
    // The slots the worker was given, and its pollers on the task queue.
    expect(metrics).toMatch(/^temporal_worker_task_slots_available\{.*worker_type="WorkflowWorker".*\} \d+$/m);
    expect(metrics).toMatch(/^temporal_num_pollers\{.*poller_type="activity_task".*\} \d+$/m);
  } finally {
    process.kill(worker.pid, 'SIGTERM');
    expect((await worker.result).code).toBe(0);
  }
});

test('a bad or taken metrics address stops the worker before it polls, saying which', async () => {
  const bad = await runCli(['worker', '--metrics-address', 'localhost'], workerEnv());
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--metrics-address must be HOST:PORT, e.g. 127.0.0.1:9464 or 0.0.0.0:9464 in a container, not "localhost"');

  const taken = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
  try {
    const port = (taken.address() as { port: number }).port;
    const busy = await runCli(['worker', '--metrics-address', `127.0.0.1:${port}`], workerEnv());
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/error: .*(in use|Address already|bind)/i);
  } finally {
    taken.close();
  }
});

test('the worker dashboard: the chart ships the repository copy, and every query of it reads a real worker\'s metrics', async () => {
  expect(readFileSync(CHART_COPY, 'utf8')).toBe(readFileSync(DASHBOARD_FILE, 'utf8'));
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
  expect(dashboard.uid).toBe('cozy-proxmox-worker');

  const queue = uniqueQueue('dash');
  const address = `127.0.0.1:${await freePort()}`;
  const worker = startCli(['worker', '--metrics-address', address], { ...workerEnv(), TEMPORAL_TASK_QUEUE: queue }, 120_000);
  const dir = mkdtempSync(join(tmpdir(), 'cozy-worker-prom-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'prometheus.yml'), stringify({ global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'cozy-proxmox-worker', static_configs: [{ targets: [address] }] }] }));
  const promPort = await freePort();
  const prometheus = spawnDaemon(toolPath('PROMETHEUS', 'monitoring'), [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], join(dir, 'prometheus.log'));
  const env = await connectTestEnv();
  const cozy = cozyClientFor(env, queue);
  try {
    await waitForPort(promPort, 'Prometheus', 30_000, prometheus);
    await waitForPrometheusTarget(`http://127.0.0.1:${promPort}`, 'cozy-proxmox-worker', 15_000);
    // A run whose steps meet a Proxmox that is not there: the worker plans it, reads its approvers, and its first
    // steps fail attempt after attempt (connection refused, retried).
    const config = testConfig({ cluster: { name: `dash-${queue}` }, proxmox: { url: 'https://127.0.0.1:1', node: 'pve1', username: 'root@pam', password: 'env:TEST_PROXMOX_PASSWORD', templateId: 9000 }, gates: { preparation: 'auto' } });
    const id = await startIntegration(cozy, { config, workflowId: `dash-${queue}` });
    const query = async (expr: string) =>
      (await axios.get<{ status: string; data: { result: unknown[] } }>(`http://127.0.0.1:${promPort}/api/v1/query`, { params: { query: expr.replace(/\$task_queue/g, queue) } })).data;
    const expectData = ['Workers polling', 'Activity slots free', 'Failed activity attempts (1h)', 'Task slots in use', 'Failed activity attempts by step', 'Step duration p95 by step'];
    for (const title of expectData) {
      const panel = dashboard.panels.find((p) => p.title === title)!;
      await waitFor(() => query(panel.targets[0].expr), (r) => r.status === 'success' && r.data.result.length > 0, `data for the panel "${title}"`, 30_000, 500);
    }
    // The others are valid queries (their data needs minutes of history or failures the run did not have).
    for (const panel of dashboard.panels) for (const t of panel.targets) expect((await query(t.expr)).status).toBe('success');
    await cancelRun(cozy, id);
  } finally {
    process.kill(worker.pid, 'SIGTERM');
    await worker.result;
    await stopProcess(prometheus);
    await env.teardown();
  }
}, 120_000);
