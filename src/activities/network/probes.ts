// Traffic probes between the test pods on a real cluster: the client pod runs `agnhost connect <ip>:<port>` (a TCP
// connect with a timeout) through the exec API. A CNI programs a new policy within seconds, not at once, so an
// expectation is probed until it holds or the enforcement window has passed.
import type { KubeClient } from '../../kubernetes/client';
import { fail, FailureType } from '../common/failures';
import { execInPod } from './pod-exec';
import { waitForValue, WaitTimedOut } from '../common/wait';
import { SERVER_PORT } from './names';

const CONNECT_TIMEOUT_S = 3;
/** How long a CNI may take to program a policy change before the step calls it not enforced. */
export const ENFORCEMENT_WINDOW_MS = 20_000;

export type Expectation = 'allowed' | 'blocked';

export interface ProbeTarget {
  namespace: string;
  pod: string;
}

export interface ProbeResult {
  connected: boolean;
  /** What the probe printed (agnhost says TIMEOUT or REFUSED when it could not connect). */
  said: string;
}

export async function probe(kube: KubeClient, from: ProbeTarget, serverIp: string): Promise<ProbeResult> {
  const r = await execInPod(kube, { ...from, container: 'client' }, ['/agnhost', 'connect', `${serverIp}:${SERVER_PORT}`, `--timeout=${CONNECT_TIMEOUT_S}s`], (CONNECT_TIMEOUT_S + 20) * 1000);
  if (r.exitCode < 0) {
    throw fail(FailureType.Transient, `the probe could not run in ${from.namespace}/${from.pod}: ${(r.stderr || r.stdout).trim() || 'the exec API returned no exit code'}`);
  }
  return { connected: r.exitCode === 0, said: (r.stderr || r.stdout).trim() };
}

export interface ProbeOutcome<T = ProbeResult> {
  held: boolean;
  /** Time until the expectation held (or the window ran out). */
  ms: number;
  attempts: number;
  last: T;
}

/** Runs a probe until its result is as expected or the enforcement window is over. */
async function probeUntil<T>(what: string, first: T, attempt: () => Promise<T>, holds: (r: T) => boolean): Promise<ProbeOutcome<T>> {
  const started = Date.now();
  let attempts = 0;
  let last = first;
  try {
    await waitForValue(what, ENFORCEMENT_WINDOW_MS, async () => {
      attempts++;
      last = await attempt();
      return holds(last) ? true : undefined;
    });
    return { held: true, ms: Date.now() - started, attempts, last };
  } catch (err) {
    if (!(err instanceof WaitTimedOut)) throw err;
    return { held: false, ms: Date.now() - started, attempts, last };
  }
}

/** Probes until the traffic is as expected or the enforcement window is over. */
export function expectTraffic(kube: KubeClient, from: ProbeTarget, serverIp: string, expected: Expectation, what: string): Promise<ProbeOutcome> {
  return probeUntil(`${what}: traffic ${expected}`, { connected: false, said: '' }, () => probe(kube, from, serverIp), (r) => r.connected === (expected === 'allowed'));
}

/** The HTTP status of a GET from the client pod (agnhost's image carries curl); 0 when no answer came. */
export async function httpStatus(kube: KubeClient, from: ProbeTarget, url: string): Promise<number> {
  const r = await execInPod(kube, { ...from, container: 'client' }, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', String(CONNECT_TIMEOUT_S), url], (CONNECT_TIMEOUT_S + 20) * 1000);
  if (r.exitCode < 0) {
    throw fail(FailureType.Transient, `the HTTP probe could not run in ${from.namespace}/${from.pod}: ${(r.stderr || r.stdout).trim() || 'the exec API returned no exit code'}`);
  }
  const code = Number(r.stdout.trim());
  return Number.isInteger(code) ? code : 0;
}

/** Requests until the answer has the expected status or the enforcement window is over. */
export function expectHttpStatus(kube: KubeClient, from: ProbeTarget, url: string, expected: number, what: string): Promise<ProbeOutcome<number>> {
  return probeUntil(`${what}: HTTP ${expected}`, 0, () => httpStatus(kube, from, url), (code) => code === expected);
}
