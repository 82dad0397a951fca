// step7.logs: the integration's programs (CAPMOX, the Proxmox CSI controller, the pve exporter, the worker) are found
// in the cluster's logging stack. CozyStack's is VictoriaLogs fed by fluent-bit, which tags each container line with
// kubernetes_namespace_name and kubernetes_pod_name (vlagent, VictoriaLogs' own collector: kubernetes.pod_namespace
// and kubernetes.pod_name; log-components.ts); the step asks VictoriaLogs (monitoring.logs, else a VictoriaLogs
// Service found in monitoring.namespace) how many lines each component's pods wrote in the last hour.
//   - Every component that runs here (its Deployment exists and is not scaled to zero) has lines: passed, with the
//     count, the latest line and the query that finds them (what the runbook points to).
//   - A component that runs but has no line: warning naming it (its logs are not collected).
//   - No logging stack found, or one found that the worker cannot reach: not verified, with the reason.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { KubeClient } from '../../kubernetes/client';
import { httpStatusOf } from '../../kubernetes/errors';
import type { KubeObject } from '../../kubernetes/types';
import { MonitoringHttpError } from '../../monitoring/errors';
import type { LogRecord, VictoriaLogsClient } from '../../monitoring/victorialogs';
import { defineStep } from '../../catalogue/define-step';
import { SERVICE_RETRY } from '../../catalogue/retry-policies';
import { clientFactories } from '../common/clients';
import { waitUntil } from '../common/wait';
import { runKubernetesStep } from '../kubernetes/step-context';
import { cancellationSignal } from './step-context';
import { componentFilter, logComponents, podOfLine, type LogComponent } from './log-components';

export const LOG_WINDOW = '1h';
// fluent-bit flushes every second or so and VictoriaLogs makes a line searchable within a second: a component that
// has just started (the exporter, installed moments ago) gets this long to show up.
const FIRST_LINES_WAIT_MS = 30_000;
const POLL_MS = 3_000;

/** Services of VictoriaLogs as its operator names them: a cluster's vlselect, a VLogs or a VLSingle. */
const VICTORIALOGS_SERVICE = /^(vlselect|vlogs|vlsingle)-/;
const DEFAULT_PORT: Record<string, number> = { vlselect: 9471, vlogs: 9428, vlsingle: 9428 };

/** Whether the component's Deployment exists (undefined: not allowed to look) and whether it is scaled to zero. */
interface Presence {
  deployed: boolean | undefined;
  scaledToZero?: boolean;
}

interface Found extends Presence {
  component: LogComponent;
  rows: number;
  last?: string;
  lastLine?: LogRecord;
}

interface Service extends KubeObject {
  spec?: { ports?: { name?: string; port: number }[] };
}

/** A VictoriaLogs query URL from the Services of the namespace, vlselect first; undefined if none (or not readable). */
async function discover(client: KubeClient, namespace: string): Promise<{ url?: string; why: string }> {
  let services: Service[];
  try {
    services = await client.list<Service>('v1', 'Service', namespace);
  } catch (err) {
    if (httpStatusOf(err) === 403) return { why: `the worker may not list the Services of ${namespace} to look for one` };
    throw err;
  }
  const found = services.filter((s) => VICTORIALOGS_SERVICE.test(s.metadata.name)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const svc = found.find((s) => s.metadata.name.startsWith('vlselect-')) ?? found[0];
  if (!svc) return { why: `${namespace} has no VictoriaLogs Service (vlselect-*, vlogs-*, vlsingle-*)` };
  const kind = svc.metadata.name.split('-')[0];
  const port = svc.spec?.ports?.find((p) => p.name === 'http')?.port ?? svc.spec?.ports?.[0]?.port ?? DEFAULT_PORT[kind];
  return { url: `http://${svc.metadata.name}.${namespace}.svc:${port}`, why: `found the Service ${namespace}/${svc.metadata.name}` };
}

async function presenceOf(client: KubeClient, c: LogComponent): Promise<Presence> {
  try {
    // Listed by name: the worker's role lists Deployments cluster-wide (step6.cni-ready) and gets none.
    const [deployment] = await client.list<KubeObject & { spec?: { replicas?: number } }>('apps/v1', 'Deployment', c.namespace, undefined, `metadata.name=${c.deployment}`);
    if (!deployment) return { deployed: false };
    // A Deployment scaled to zero runs no pod, so writes no line (the sandbox's worker chart, a paused component).
    return { deployed: true, scaledToZero: deployment.spec?.replicas === 0 };
  } catch (err) {
    // Not allowed to look: whether it runs here is unknown, and its lines are looked for all the same.
    if (httpStatusOf(err) === 403) return { deployed: undefined };
    throw err;
  }
}

/** A component whose lines are expected: deployed (or not known not to be) with pods to run. */
const expectsLines = (f: Found) => f.deployed !== false && !f.scaledToZero;

async function linesOf(api: VictoriaLogsClient, c: LogComponent): Promise<Pick<Found, 'rows' | 'last' | 'lastLine'>> {
  const filter = componentFilter(c, LOG_WINDOW);
  // One query for the count and the latest line (row_max: the whole line with the greatest _time), so both come
  // from the same view of the storage.
  const [stats] = await api.query(`${filter} | stats count() rows, max(_time) last, row_max(_time) last_line`);
  const rows = Number(stats?.rows ?? 0);
  if (rows === 0) return { rows };
  return { rows, last: stats.last, lastLine: parseLine(stats.last_line) };
}

function parseLine(json: string | undefined): LogRecord | undefined {
  try {
    return json ? (JSON.parse(json) as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

const describe = (f: Found) => `${f.component.name} (${f.component.namespace}/${f.component.deployment})`;

function detail(f: Found): string {
  const where = describe(f);
  const query = componentFilter(f.component, LOG_WINDOW);
  if (f.rows > 0) {
    const msg = f.lastLine?._msg ? `: "${f.lastLine._msg.slice(0, 120)}"` : '';
    return `${where}: ${f.rows} line(s) in the last ${LOG_WINDOW}, latest at ${f.last} from ${podOfLine(f.lastLine) ?? '?'}${msg}; query: ${query}`;
  }
  if (f.deployed === false) return `${where}: not deployed in this cluster, no line expected`;
  if (f.scaledToZero) return `${where}: scaled to 0 replicas, no line expected`;
  return `${where}: no line in the last ${LOG_WINDOW}${f.deployed === undefined ? ' (whether it runs here is unknown: the worker may not read its Deployment)' : ''}; query: ${query}`;
}

const notVerified = (message: string, reason: string, details?: string[]): StepOutcome => ({ status: 'warning', message, notVerified: reason, details });

export function monitoringLogs(input: StepInput): Promise<StepOutcome> {
  const monitoring = input.config.monitoring;
  return runKubernetesStep(input, 'look for the components in the logging stack', async (client) => {
    let url = monitoring.logs;
    let how = 'monitoring.logs';
    if (!url) {
      const found = await discover(client, monitoring.namespace);
      if (!found.url) {
        return {
          status: 'skipped',
          message: `No logging stack found: monitoring.logs is not set and ${found.why}. The components' logs are read with kubectl logs (runbooks/troubleshooting.md, "Where each component logs")`,
        };
      }
      url = found.url;
      how = found.why;
    }
    const api = clientFactories().victoriaLogs({ baseUrl: url, signal: cancellationSignal() });
    const components = logComponents(input.config);
    const presence = await Promise.all(components.map((c) => presenceOf(client, c)));
    let found: Found[];
    try {
      const { value } = await waitUntil(`the components' log lines in VictoriaLogs at ${url}`, async () => {
        const lines = await Promise.all(components.map((c) => linesOf(api, c)));
        const all: Found[] = components.map((component, i) => ({ component, ...presence[i], ...lines[i] }));
        // Waited for: the components known to run here (an unknown one is looked for, not waited for).
        const waiting = all.filter((f) => f.deployed === true && expectsLines(f) && f.rows === 0);
        return { done: waiting.length === 0, value: all, seen: waiting.length > 0 ? `no line yet of ${waiting.map((f) => f.component.name).join(', ')}` : undefined };
      }, { timeoutMs: FIRST_LINES_WAIT_MS, intervalMs: POLL_MS, returnOnTimeout: true });
      found = value!;
    } catch (err) {
      // A Service found in the cluster but out of the worker's reach (a worker outside the cluster) is not a failure
      // of the logging stack: the step says it could not look.
      if (!monitoring.logs && err instanceof MonitoringHttpError && err.status === undefined) {
        return notVerified(
          `A logging stack is installed (${how}), but the worker cannot reach ${url} (${err.said}): set monitoring.logs to an address it reaches`,
          `VictoriaLogs at ${url} is out of the worker's reach`,
        );
      }
      throw err;
    }
    const details = [`VictoriaLogs at ${url} (${how})`, ...found.map(detail)];
    const withLines = found.filter((f) => f.rows > 0);
    const missing = found.filter((f) => f.rows === 0 && expectsLines(f));
    const metrics = { componentsWithLines: withLines.length, componentsWithoutLines: missing.length, lines: withLines.reduce((n, f) => n + f.rows, 0) };
    if (withLines.length === 0) {
      return notVerified(
        `VictoriaLogs at ${url} holds no line of the integration's components in the last ${LOG_WINDOW}: ${missing.map(describe).join(', ') || 'none of them runs in this cluster'}. ` +
          'Is fluent-bit (or another shipper) sending these namespaces\' container logs to it?',
        'no component log line found in the logging stack',
        details,
      );
    }
    if (missing.length > 0) {
      return {
        status: 'warning',
        message: `VictoriaLogs at ${url} holds the logs of ${withLines.map((f) => f.component.name).join(', ')}, but no line of ${missing.map(describe).join(', ')} in the last ${LOG_WINDOW}: their container logs are not collected`,
        details,
        metrics,
      };
    }
    return {
      status: 'passed',
      message: `VictoriaLogs at ${url} holds the logs of ${withLines.map((f) => `${f.component.name} (${f.rows} lines)`).join(', ')}`,
      details,
      metrics,
      outputs: { logs: url },
    };
  });
}

export const monitoringLogsStep = defineStep({
  id: 'step7.logs',
  phase: 'monitoring-security',
  group: 'step7-monitoring',
  dependsOn: ['monitoring.chart'],
  title: "The integration's components in the cluster's logging stack (VictoriaLogs)",
  // Where logs are collected is the platform's choice: a gap is reported, never a reason to stop the run.
  blocking: false,
  // Waits up to 30 s for first lines, heartbeating meanwhile.
  startToCloseSeconds: 90,
  retry: SERVICE_RETRY,
  component: 'Logging (VictoriaLogs)',
  run: monitoringLogs,
});
