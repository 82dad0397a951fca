// step7.pve-metrics: Prometheus holds the Proxmox metrics the plan names for the configured node: pve_up == 1,
// pve_node_info, pve_version_info, pve_cpu_usage_ratio, pve_memory_usage_bytes, guest metrics and the configured
// storage's pve_disk_size_bytes. One detail line per metric with its value. Every query after the first is pinned to
// the instance/job whose pve_up was found, so that two Proxmox clusters in one Prometheus do not mix. Each value is
// the latest within 5 minutes (last_over_time): a scrape that failed just now marks the target's series stale, and
// the metrics the exporter delivered are no less there for it (step7.prometheus-targets reports failing scrapes).
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import type { Sample } from '../../monitoring/prometheus';
import { clientFactories } from '../common/clients';
import { waitUntil } from '../common/wait';
import { cancellationSignal, heartbeat, NO_PROMETHEUS, runMonitoringStep, skipped } from './step-context';
import { defineStep } from '../../catalogue/define-step';
import { SERVICE_RETRY } from '../../catalogue/retry-policies';

// Long enough for one scrape at Prometheus's default 1-minute interval after the exporter target came up.
const FIRST_SERIES_WAIT_MS = 75_000;
const POLL_MS = 2_000;
const GiB = 1024 ** 3;

const quote = (v: string) => JSON.stringify(v);
const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/** The latest sample of each series the selector matches within the last 5 minutes. */
const latest = (selector: string) => `last_over_time(${selector}[5m])`;

export function monitoringPveMetrics(input: StepInput): Promise<StepOutcome> {
  const url = input.config.monitoring.prometheus;
  if (!url) return Promise.resolve(skipped(NO_PROMETHEUS));
  const node = input.config.proxmox.node;
  const storage = input.config.proxmox.storage;
  return runMonitoringStep('query Prometheus for the Proxmox metrics', async () => {
    const api = clientFactories().prometheus({ baseUrl: url, signal: cancellationSignal() });
    const upQuery = `pve_up{id=${quote(`node/${node}`)}}`;
    const { value } = await waitUntil(`Prometheus to hold ${upQuery}`, async () => {
      const samples = await api.query(latest(upQuery));
      return { done: samples.length > 0, value: samples };
    }, { timeoutMs: FIRST_SERIES_WAIT_MS, intervalMs: POLL_MS, returnOnTimeout: true });
    const up: Sample[] = value ?? [];
    if (up.length === 0) {
      throw checkFailed(
        `Prometheus at ${url} holds no ${upQuery} after ${FIRST_SERIES_WAIT_MS / 1000} s: no pve exporter scrape reports node ${node}. ` +
          'Check step7.prometheus-targets (is the exporter target up?) and that proxmox.node names the node as Proxmox does (`pvesh get /cluster/status`)',
      );
    }
    const first = up[0];
    const pin = [first.metric.instance && `instance=${quote(first.metric.instance)}`, first.metric.job && `job=${quote(first.metric.job)}`].filter(Boolean).join(',');
    const sel = (extra: string) => `{${[extra, pin].filter(Boolean).join(',')}}`;
    const details: string[] = [`pve_up{id="node/${node}"} = ${first.value} (instance ${first.metric.instance ?? '?'}, job ${first.metric.job ?? '?'})`];
    if (first.value !== 1) {
      throw checkFailed(`Proxmox node ${node} is reported offline: ${upQuery} = ${first.value}; check the node in the Proxmox UI (\`pvecm status\`, \`systemctl status pve-cluster\`)`, details);
    }

    const missing: string[] = [];
    const one = async (what: string, promql: string): Promise<Sample | undefined> => {
      heartbeat(`querying ${what}`);
      const samples = await api.query(latest(promql));
      if (samples.length === 0) missing.push(`${what} (${promql})`);
      return samples[0];
    };
    const nodeId = quote(`node/${node}`);
    const info = await one('pve_node_info', `pve_node_info${sel(`name=${quote(node)}`)}`);
    if (info) details.push(`pve_node_info: name=${info.metric.name} nodeid=${info.metric.nodeid ?? '?'} level=${info.metric.level || '(none)'}`);
    const version = await one('pve_version_info', `pve_version_info${sel('')}`);
    if (version) details.push(`pve_version_info: version ${version.metric.version} (release ${version.metric.release}, repoid ${version.metric.repoid})`);
    const cpu = await one('pve_cpu_usage_ratio', `pve_cpu_usage_ratio${sel(`id=${nodeId}`)}`);
    if (cpu) details.push(`pve_cpu_usage_ratio{id="node/${node}"} = ${cpu.value} (${percent(cpu.value)})`);
    const mem = await one('pve_memory_usage_bytes', `pve_memory_usage_bytes${sel(`id=${nodeId}`)}`);
    const memSize = (await api.query(latest(`pve_memory_size_bytes${sel(`id=${nodeId}`)}`)))[0];
    if (mem) details.push(`pve_memory_usage_bytes{id="node/${node}"} = ${mem.value} (${gib(mem.value)}${memSize ? ` of ${gib(memSize.value)}` : ''})`);
    const storageId = quote(`storage/${node}/${storage}`);
    const disk = await one(`pve_disk_size_bytes for storage ${storage}`, `pve_disk_size_bytes${sel(`id=${storageId}`)}`);
    const diskUsed = (await api.query(latest(`pve_disk_usage_bytes${sel(`id=${storageId}`)}`)))[0];
    if (disk) details.push(`pve_disk_size_bytes{id="storage/${node}/${storage}"} = ${disk.value} (${gib(disk.value)}${diskUsed ? `, ${gib(diskUsed.value)} used` : ''})`);

    // Guests: pve_guest_info (exporter 2.x+) names them; pve_up says which run.
    const guests = await api.query(latest(`pve_guest_info${sel(`node=${quote(node)}`)}`));
    const guestUp = await api.query(latest(`pve_up${sel('id=~"(qemu|lxc)/.+"')}`));
    const running = guestUp.filter((s) => s.value === 1).length;
    if (guests.length > 0) {
      const names = guests.slice(0, 5).map((g) => `${g.metric.id} ${g.metric.name}${g.metric.template === '1' ? ' (template)' : ''}`);
      details.push(`pve_guest_info on ${node}: ${guests.length} guest(s): ${names.join(', ')}${guests.length > 5 ? ', …' : ''}; pve_up: ${running} running`);
    }

    const metrics = {
      cpuUsageRatio: cpu?.value ?? 0,
      memoryUsageBytes: mem?.value ?? 0,
      storageSizeBytes: disk?.value ?? 0,
      guests: guests.length,
      guestsRunning: running,
    };
    if (missing.length > 0) {
      const storageHint = missing.some((m) => m.startsWith('pve_disk_size_bytes'))
        ? ` A missing storage series means the exporter's user/token cannot audit storage ${storage} (grant PVEAuditor on /) or proxmox.storage names no storage of ${node}.`
        : '';
      throw checkFailed(
        `Prometheus holds pve_up for ${node} but not: ${missing.join(', ')}. Run the exporter with its cluster and node collectors on (scrape params cluster=1&node=1) and a user/token with PVEAuditor on /.${storageHint}`,
        details,
      );
    }
    if (guests.length === 0 && guestUp.length === 0) {
      details.push(`no guest metrics (pve_guest_info, pve_up{id=~"qemu/.+"}) for ${node}`);
      return {
        status: 'warning',
        message: `Proxmox metrics for ${node} are in Prometheus, but no guest metrics: the exporter's user/token may lack VM.Audit, or ${node} has no VMs`,
        details,
        metrics,
      };
    }
    return {
      status: 'passed',
      message: `Prometheus holds the Proxmox metrics of ${node}: up, node info, version ${version?.metric.version}, CPU ${percent(cpu?.value ?? 0)}, memory ${gib(mem?.value ?? 0)}, ${guests.length || guestUp.length} guest(s), storage ${storage} ${gib(disk?.value ?? 0)}`,
      details,
      metrics,
      outputs: { node, pveVersion: version?.metric.version ?? '' },
    };
  });
}

export const monitoringPveMetricsStep = defineStep({
  id: 'step7.pve-metrics',
  phase: 'monitoring-security',
  group: 'step7-monitoring',
  title: 'Proxmox metrics in Prometheus (pve_up, node, version, CPU, memory, guests, storage)',
  dependsOn: ['step7.prometheus-targets'],
  blocking: true,
  // Waits up to 75 s for the series, heartbeating meanwhile.
  startToCloseSeconds: 150,
  retry: SERVICE_RETRY,
  component: 'Proxmox metrics',
  run: monitoringPveMetrics,
});
