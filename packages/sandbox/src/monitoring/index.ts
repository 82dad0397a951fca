// Monitoring in the sandbox: the real prometheus-pve-exporter collecting from the Proxmox API (the simulator), and
// a real Prometheus scraping it, both on 127.0.0.1 only, with their files under the sandbox directory:
//   <dir>/monitoring/pve-exporter.yml   the exporter's credentials (mode 0600)
//   <dir>/monitoring/prometheus.yml     the scrape config
//   <dir>/monitoring/prometheus-data    the TSDB
//   <dir>/logs/{pve-exporter,prometheus}.log
// Both run detached (they outlive the process that started them, like the sandbox's other components).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../../../../src/tools/tool-paths';
import { freePort, isAlive, spawnDaemon, stopProcess, waitForPort } from '../processes';
import { pveExporterConfigYaml, type ExporterCredentials } from './exporter-config';
import { exporterTarget } from '../../../../src/monitoring/exporter-target';
import { PVE_JOB_NAME, prometheusConfigYaml } from './prometheus-config';
import { waitForHttpOk, waitForPrometheusTarget } from './http-wait';

export { PVE_JOB_NAME, WORKER_JOB_NAME } from './prometheus-config';
export { waitForPrometheusSeries } from './http-wait';

export type SandboxMonitoringCredentials = { tokenId: string; tokenSecretFile: string } | { user: string; passwordFile: string };

export type SandboxMonitoringOptions = SandboxMonitoringCredentials & {
  /** Base URL of the Proxmox API, https://HOST:PORT. */
  proxmoxUrl: string;
  /** CA the Proxmox API's certificate is verified with. */
  caFile: string;
  /** HOST:PORT the sandbox's worker serves its metrics on: scraped as job cozy-proxmox-worker. */
  workerMetricsAddress?: string;
  /** Default 5 s: short, so a fresh sandbox has series within seconds. */
  scrapeIntervalSeconds?: number;
  onProgress?: (message: string) => void;
};

export interface SandboxMonitoring {
  /** http://127.0.0.1:PORT */
  prometheusUrl: string;
  /** http://127.0.0.1:PORT (the exporter's own pages; /pve?target=... collects). */
  exporterUrl: string;
  /** HOST:PORT of Proxmox as Prometheus passes it to the exporter (the `instance` label of the series). */
  target: string;
  pids: { exporter: number; prometheus: number };
  files: { exporterConfig: string; prometheusConfig: string; prometheusData: string; exporterLog: string; prometheusLog: string };
  stop(): Promise<void>;
}

function readSecretFile(path: string): string {
  // Files written by `echo` or editors end with a newline that is not part of the secret.
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

function credentialsOf(opts: SandboxMonitoringCredentials): ExporterCredentials {
  if ('tokenId' in opts) return { kind: 'token', tokenId: opts.tokenId, tokenSecret: readSecretFile(opts.tokenSecretFile) };
  return { kind: 'password', user: opts.user, password: readSecretFile(opts.passwordFile) };
}

function logTail(file: string): string {
  if (!existsSync(file)) return '';
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines.slice(-5).join(' | ');
}

export async function startSandboxMonitoring(dir: string, opts: SandboxMonitoringOptions): Promise<SandboxMonitoring> {
  const say = opts.onProgress ?? (() => undefined);
  const exporterBin = toolPath('PVE_EXPORTER', 'monitoring');
  const prometheusBin = toolPath('PROMETHEUS', 'monitoring');
  const target = exporterTarget(opts.proxmoxUrl);
  const monitoringDir = join(dir, 'monitoring');
  const logsDir = join(dir, 'logs');
  const files = {
    exporterConfig: join(monitoringDir, 'pve-exporter.yml'),
    prometheusConfig: join(monitoringDir, 'prometheus.yml'),
    prometheusData: join(monitoringDir, 'prometheus-data'),
    exporterLog: join(logsDir, 'pve-exporter.log'),
    prometheusLog: join(logsDir, 'prometheus.log'),
  };
  mkdirSync(files.prometheusData, { recursive: true });
  mkdirSync(logsDir, { recursive: true });
  chmodSync(monitoringDir, 0o700);
  // The exporter's config holds the Proxmox credentials: owner-only, like the sandbox's secrets/.
  writeFileSync(files.exporterConfig, pveExporterConfigYaml(credentialsOf(opts)), { mode: 0o600 });
  chmodSync(files.exporterConfig, 0o600);

  const started: number[] = [];
  try {
    const exporterPort = await freePort();
    const exporterAddress = `127.0.0.1:${exporterPort}`;
    say(`starting prometheus-pve-exporter on ${exporterAddress} (collecting from ${target})`);
    const exporterPid = spawnDaemon(
      exporterBin,
      ['--config.file', files.exporterConfig, '--web.listen-address', exporterAddress],
      files.exporterLog,
      { ...process.env, REQUESTS_CA_BUNDLE: opts.caFile },
    );
    started.push(exporterPid);
    const exporterUrl = `http://${exporterAddress}`;
    await waitForPort(exporterPort, `prometheus-pve-exporter (see ${files.exporterLog})`, 30_000, exporterPid);
    await waitForHttpOk(`${exporterUrl}/metrics`, 'prometheus-pve-exporter', 15_000);

    writeFileSync(files.prometheusConfig, prometheusConfigYaml({ exporterAddress, target, scrapeIntervalSeconds: opts.scrapeIntervalSeconds ?? 5, workerMetricsAddress: opts.workerMetricsAddress }));
    const prometheusPort = await freePort();
    const prometheusAddress = `127.0.0.1:${prometheusPort}`;
    say(`starting Prometheus on ${prometheusAddress} (job ${PVE_JOB_NAME}, data in ${files.prometheusData})`);
    const prometheusPid = spawnDaemon(
      prometheusBin,
      [
        `--config.file=${files.prometheusConfig}`,
        `--storage.tsdb.path=${files.prometheusData}`,
        `--web.listen-address=${prometheusAddress}`,
        '--log.level=warn',
      ],
      files.prometheusLog,
    );
    started.push(prometheusPid);
    const prometheusUrl = `http://${prometheusAddress}`;
    await waitForPort(prometheusPort, `Prometheus (see ${files.prometheusLog})`, 30_000, prometheusPid);
    await waitForHttpOk(`${prometheusUrl}/-/ready`, 'Prometheus', 30_000);
    // Ready means the TSDB is open; the scrape target appears once service discovery has run.
    await waitForPrometheusTarget(prometheusUrl, PVE_JOB_NAME, 15_000);

    const pids = { exporter: exporterPid, prometheus: prometheusPid };
    return {
      prometheusUrl,
      exporterUrl,
      target,
      pids,
      files,
      stop: async () => {
        await stopProcess(pids.prometheus);
        await stopProcess(pids.exporter);
      },
    };
  } catch (err) {
    for (const pid of started.reverse()) await stopProcess(pid);
    const tails = [files.exporterLog, files.prometheusLog].map((f) => logTail(f)).filter(Boolean);
    const message = (err as Error).message + (tails.length > 0 ? `; last log lines: ${tails.join(' || ')}` : '');
    throw new Error(message);
  }
}

/** True while both processes of a started monitoring are alive. */
export function sandboxMonitoringRunning(pids: { exporter: number; prometheus: number }): boolean {
  return isAlive(pids.exporter) && isAlive(pids.prometheus);
}
