// The sandbox Prometheus's config: one job that scrapes the pve exporter the way its documentation describes (the
// Proxmox host as the `target` parameter, the exporter as the address actually scraped), so that the series carry
// instance=<Proxmox host:port> exactly as in a production setup.
import { stringify } from 'yaml';

/** The job name the sandbox uses; the step7 checks find pve exporter targets by their /pve scrape path, not by it. */
export const PVE_JOB_NAME = 'pve';
/** The job that scrapes the sandbox's cozy-proxmox worker (the SDK's metrics: task slots, latencies, failures). */
export const WORKER_JOB_NAME = 'cozy-proxmox-worker';

export interface PrometheusConfigOptions {
  /** HOST:PORT of the pve exporter. */
  exporterAddress: string;
  /** HOST:PORT of the Proxmox API, passed to the exporter as ?target=. */
  target: string;
  scrapeIntervalSeconds: number;
  /** HOST:PORT of the worker's metrics endpoint (`worker --metrics-address`), when the sandbox runs a worker. */
  workerMetricsAddress?: string;
}

export function prometheusConfigYaml(opts: PrometheusConfigOptions): string {
  const interval = `${opts.scrapeIntervalSeconds}s`;
  // A scrape must finish within the interval; the exporter answers in well under a second from the simulator.
  const timeout = `${Math.max(1, opts.scrapeIntervalSeconds - 1)}s`;
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: timeout, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: PVE_JOB_NAME,
        metrics_path: '/pve',
        params: { module: ['default'], cluster: ['1'], node: ['1'] },
        static_configs: [{ targets: [opts.target] }],
        relabel_configs: [
          { source_labels: ['__address__'], target_label: '__param_target' },
          { source_labels: ['__param_target'], target_label: 'instance' },
          { target_label: '__address__', replacement: opts.exporterAddress },
        ],
      },
      ...(opts.workerMetricsAddress ? [{ job_name: WORKER_JOB_NAME, static_configs: [{ targets: [opts.workerMetricsAddress] }] }] : []),
    ],
  });
}
