// step7.prometheus-targets: Prometheus scrapes a prometheus-pve-exporter and the scrapes succeed. Reads the active
// targets (/api/v1/targets; on monitoring.scraper where queries and scrapes are served apart, as vmselect and vmagent
// in a VictoriaMetrics cluster), keeps those that scrape an exporter's /pve, waits for a first scrape of new ones, and
// judges each over its recent scrapes (Prometheus records `up` for every one, failed ones included): every scrape of
// the last 5 minutes up passes; some failed is a warning that names the share and the error Prometheus recorded
// (lastError), e.g. an exporter that meets a Proxmox API answering 503 now and then; none up fails.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import type { ActiveTarget, PrometheusClient } from '../../monitoring/prometheus';
import { clientFactories } from '../common/clients';
import { waitUntil } from '../common/wait';
import { cancellationSignal, NO_PROMETHEUS, runMonitoringStep, skipped } from './step-context';
import { defineStep } from '../../catalogue/define-step';
import { SERVICE_RETRY } from '../../catalogue/retry-policies';

// A target added moments ago has health "unknown" until its first scrape (one scrape interval, 1 min by default).
const FIRST_SCRAPE_WAIT_MS = 75_000;
const POLL_MS = 2_000;
// A Prometheus that has just started lists no target at all until its service discovery has run once.
const DISCOVERY_WAIT_MS = 10_000;
/** Failed scrapes, none up, after which a target is judged down without waiting out the deadline. */
const NEVER_UP_SCRAPES = 5;
/** The window a target is judged over. */
export const RECENT_WINDOW = '5m';

/** PromQL for the target's `up` series over the window, wrapped in fn (sum_over_time: scrapes up; count_over_time: all). */
export function upOverWindow(fn: 'sum_over_time' | 'count_over_time', t: ActiveTarget): string {
  const sel = [t.labels.job && `job=${JSON.stringify(t.labels.job)}`, t.labels.instance && `instance=${JSON.stringify(t.labels.instance)}`].filter(Boolean).join(',');
  return `${fn}(up{${sel}}[${RECENT_WINDOW}])`;
}

/**
 * A target that scrapes a pve exporter: its scrape path is /pve (what the exporter collects on), or its job says pve
 * or proxmox. A /metrics target is never one, whatever its job is called: the exporter serves only its own process
 * metrics there, and other programs' jobs name Proxmox too (the worker's, cozy-proxmox-worker).
 */
export function isPveExporterTarget(t: ActiveTarget): boolean {
  let path = '';
  try {
    path = new URL(t.scrapeUrl).pathname;
  } catch {
    /* a target without a parsable URL is judged by its job */
  }
  if (path === '/pve') return true;
  return path !== '/metrics' && /(^|[-_])(pve|proxmox)([-_]|$)/i.test(t.labels.job ?? t.scrapePool ?? '');
}

interface Scrapes {
  up: number;
  total: number;
}

async function recentScrapes(api: PrometheusClient, t: ActiveTarget): Promise<Scrapes> {
  const [up, total] = await Promise.all([api.query(upOverWindow('sum_over_time', t)), api.query(upOverWindow('count_over_time', t))]);
  return { up: up[0]?.value ?? 0, total: total[0]?.value ?? 0 };
}

const share = (s: Scrapes) => (s.total > 0 ? `${s.up} of ${s.total}` : 'none');

function targetName(t: ActiveTarget): string {
  return `${t.labels.job ?? t.scrapePool}/${t.labels.instance ?? t.scrapeUrl}`;
}

function describeTarget(t: ActiveTarget): string {
  const error = t.lastError ? `, lastError "${t.lastError}"` : '';
  return `${targetName(t)}: ${t.health} (scrapes ${t.scrapeUrl}, last scrape ${t.lastScrape}${error})`;
}

export function monitoringPrometheusTargets(input: StepInput): Promise<StepOutcome> {
  const url = input.config.monitoring.prometheus;
  if (!url) return Promise.resolve(skipped(NO_PROMETHEUS));
  const scraperUrl = input.config.monitoring.scraper;
  return runMonitoringStep('read the Prometheus targets', async () => {
    const api = clientFactories().prometheus({ baseUrl: url, signal: cancellationSignal() });
    // A VictoriaMetrics cluster: vmagent lists the targets, vmselect answers the queries (vmagent writes `up` there).
    const scraper = scraperUrl ? clientFactories().prometheus({ baseUrl: scraperUrl, signal: cancellationSignal(), setting: 'monitoring.scraper' }) : api;
    const targetsFrom = scraperUrl ? `vmagent/scraper at ${scraperUrl}` : `Prometheus at ${url}`;
    // Waits while a judgement would be premature: no target listed yet (service discovery), a new target not scraped
    // yet, or a target down that has not failed NEVER_UP_SCRAPES scrapes yet; at the deadline it judges what it sees.
    const { value } = await waitUntil('the pve exporter targets to be scraped', async (elapsedMs) => {
      const all = await scraper.activeTargets();
      const pve = all.filter(isPveExporterTarget);
      const scrapes = await Promise.all(pve.map((t) => recentScrapes(api, t)));
      const snapshot = { all, pve, scrapes };
      if (all.length === 0 && elapsedMs < DISCOVERY_WAIT_MS) return { done: false, value: snapshot, seen: 'no targets listed yet (service discovery)' };
      const pending = pve.filter((t) => t.health === 'unknown');
      if (pending.length > 0) return { done: false, value: snapshot, seen: `first scrape of ${pending.map(targetName).join(', ')} pending` };
      // Down now and never up in the window: a target that has only just started may still get there.
      const hopeless = pve.map((t, i) => ({ t, s: scrapes[i] })).filter(({ t, s }) => t.health !== 'up' && s.up === 0);
      const hopeful = hopeless.find(({ s }) => s.total < NEVER_UP_SCRAPES);
      return { done: !hopeful, value: snapshot, seen: hopeful ? `${targetName(hopeful.t)} not up yet (${hopeful.t.lastError || hopeful.t.health})` : undefined };
    }, { timeoutMs: FIRST_SCRAPE_WAIT_MS, intervalMs: POLL_MS, returnOnTimeout: true });
    const { all, pve, scrapes } = value!;
    if (pve.length === 0) {
      const jobs = [...new Set(all.map((t) => t.labels.job ?? t.scrapePool))].join(', ') || 'none';
      throw checkFailed(
        `${targetsFrom} has no prometheus-pve-exporter target among its ${all.length} active target(s) (jobs: ${jobs}): ` +
          'add a scrape job for the exporter (metrics_path /pve, params module/cluster/node, the Proxmox host as the target parameter) and reload Prometheus' +
          (all.length === 0 && !scraperUrl ? '; a query API that scrapes nothing itself (a VictoriaMetrics cluster\'s vmselect) needs monitoring.scraper, the vmagent that scrapes' : ''),
      );
    }
    const details = pve.map((t, i) => `${describeTarget(t)}; scrapes up over ${RECENT_WINDOW}: ${share(scrapes[i])}`);
    const bad = pve.filter((t, i) => t.health !== 'up' && scrapes[i].up === 0);
    if (bad.length > 0) {
      const what = bad.map((t) => (t.health === 'unknown' ? `${targetName(t)} was never scraped within ${FIRST_SCRAPE_WAIT_MS / 1000} s` : `${targetName(t)} is down: lastError "${t.lastError}"`));
      throw checkFailed(
        `${bad.length} of ${pve.length} pve exporter target(s) not up: ${what.join('; ')}. ` +
          "Fix: open the target's scrape URL (curl it) and read the exporter's log; an HTTP 500 from the exporter usually means it cannot log in to Proxmox (token or password in its config, verify_ssl/CA) or lacks privileges (PVEAuditor on /)",
        details,
      );
    }
    // Down now, or failing more than one scrape in the window (one failed scrape is a blip, e.g. a first scrape
    // while the exporter was still starting): the scrapes work, but not always.
    const flapping = pve.map((t, i) => ({ t, s: scrapes[i] })).filter(({ t, s }) => t.health !== 'up' || s.total - s.up > 1);
    const failedScrapes = scrapes.reduce((n, s) => n + (s.total - s.up), 0);
    const metrics = { pveTargets: pve.length, activeTargets: all.length, failedScrapes };
    if (flapping.length > 0) {
      return {
        status: 'warning',
        message:
          `Prometheus scrapes ${pve.length} pve exporter target(s), but not every scrape succeeds: ` +
          flapping.map(({ t, s }) => `${targetName(t)} up in ${share(s)} scrapes over ${RECENT_WINDOW}${t.lastError ? ` (lastError "${t.lastError}")` : ''}`).join('; ') +
          '. A failed scrape is usually the exporter meeting an error from the Proxmox API: read its log',
        details,
        metrics,
        outputs: { pveTargets: pve.length },
      };
    }
    return {
      status: 'passed',
      message: `Prometheus scrapes ${pve.length} pve exporter target(s), all up: ${pve.map(targetName).join(', ')}`,
      details,
      metrics,
      outputs: { pveTargets: pve.length },
    };
  });
}

export const monitoringPrometheusTargetsStep = defineStep({
  id: 'step7.prometheus-targets',
  phase: 'monitoring-security',
  group: 'step7-monitoring',
  // What monitoring.chart installs (the dashboards, the exporter) is what this step looks for.
  dependsOn: ['monitoring.chart'],
  title: 'Prometheus scrapes the Proxmox VE exporter (targets up)',
  blocking: true,
  // Waits up to 75 s for a first scrape, heartbeating meanwhile.
  startToCloseSeconds: 150,
  retry: SERVICE_RETRY,
  component: 'Prometheus (prometheus-pve-exporter)',
  run: monitoringPrometheusTargets,
});
