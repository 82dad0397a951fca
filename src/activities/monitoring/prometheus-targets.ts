// step7.prometheus-targets: Prometheus scrapes a prometheus-pve-exporter and the scrapes succeed. Reads the active
// targets (/api/v1/targets), keeps those that scrape an exporter's /pve, waits for a first scrape of new ones, and
// fails naming each target that is down with the error Prometheus recorded for it (lastError).
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import { isPveExporterTarget, PrometheusApi, type ActiveTarget } from './prometheus-api';
import { cancellationSignal, heartbeat, NO_PROMETHEUS, pause, runMonitoringStep, skipped } from './step-context';

// A target added moments ago has health "unknown" until its first scrape (one scrape interval, 1 min by default).
const FIRST_SCRAPE_WAIT_MS = 75_000;
const POLL_MS = 2_000;
// A Prometheus that has just started lists no target at all until its service discovery has run once.
const DISCOVERY_WAIT_MS = 10_000;

function targetName(t: ActiveTarget): string {
  return `${t.labels.job ?? t.scrapePool}/${t.labels.instance ?? t.scrapeUrl}`;
}

function describeTarget(t: ActiveTarget): string {
  const error = t.lastError ? `, lastError "${t.lastError}"` : '';
  return `${targetName(t)}: ${t.health} (scrapes ${t.scrapeUrl}, last scrape ${t.lastScrape}${error})`;
}

export function monitoringPrometheusTargets(input: StepInput): Promise<StepOutcome> {
  const url = input.config.monitoring.prometheus;
  if (!url) return Promise.resolve(skipped(input, NO_PROMETHEUS));
  return runMonitoringStep(input, 'read the Prometheus targets', async () => {
    const api = new PrometheusApi(url, cancellationSignal());
    const started = Date.now();
    const deadline = started + FIRST_SCRAPE_WAIT_MS;
    for (;;) {
      const all = await api.activeTargets();
      const pve = all.filter(isPveExporterTarget);
      if (all.length === 0 && Date.now() < started + DISCOVERY_WAIT_MS) {
        heartbeat('waiting for Prometheus to list its targets (service discovery)');
        await pause(POLL_MS / 4);
        continue;
      }
      if (pve.length === 0) {
        const jobs = [...new Set(all.map((t) => t.labels.job ?? t.scrapePool))].join(', ') || 'none';
        throw checkFailed(
          `Prometheus at ${url} has no prometheus-pve-exporter target among its ${all.length} active target(s) (jobs: ${jobs}): ` +
            'add a scrape job for the exporter (metrics_path /pve, params module/cluster/node, the Proxmox host as the target parameter) and reload Prometheus',
        );
      }
      const pending = pve.filter((t) => t.health === 'unknown');
      if (pending.length > 0 && Date.now() < deadline) {
        heartbeat(`waiting for Prometheus's first scrape of ${pending.map(targetName).join(', ')}`);
        await pause(POLL_MS);
        continue;
      }
      const details = pve.map(describeTarget);
      const bad = pve.filter((t) => t.health !== 'up');
      if (bad.length > 0) {
        const what = bad.map((t) => (t.health === 'unknown' ? `${targetName(t)} was never scraped within ${FIRST_SCRAPE_WAIT_MS / 1000} s` : `${targetName(t)} is down: lastError "${t.lastError}"`));
        throw checkFailed(
          `${bad.length} of ${pve.length} pve exporter target(s) not up: ${what.join('; ')}. ` +
            "Fix: open the target's scrape URL (curl it) and read the exporter's log; an HTTP 500 from the exporter usually means it cannot log in to Proxmox (token or password in its config, verify_ssl/CA) or lacks privileges (PVEAuditor on /)",
          details,
        );
      }
      return {
        status: 'passed',
        message: `Prometheus scrapes ${pve.length} pve exporter target(s), all up: ${pve.map(targetName).join(', ')}`,
        details,
        metrics: { pveTargets: pve.length, activeTargets: all.length },
        outputs: { pveTargets: pve.length },
      };
    }
  });
}
