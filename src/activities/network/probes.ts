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

export interface ProbeOutcome {
  held: boolean;
  /** Time until the expectation held (or the window ran out). */
  ms: number;
  attempts: number;
  last: ProbeResult;
}

/** Probes until the traffic is as expected or the enforcement window is over. */
export async function expectTraffic(kube: KubeClient, from: ProbeTarget, serverIp: string, expected: Expectation, what: string): Promise<ProbeOutcome> {
  const started = Date.now();
  let attempts = 0;
  let last: ProbeResult = { connected: false, said: '' };
  try {
    await waitForValue(`${what}: traffic ${expected}`, ENFORCEMENT_WINDOW_MS, async () => {
      attempts++;
      last = await probe(kube, from, serverIp);
      return last.connected === (expected === 'allowed') ? true : undefined;
    });
    return { held: true, ms: Date.now() - started, attempts, last };
  } catch (err) {
    if (!(err instanceof WaitTimedOut)) throw err;
    return { held: false, ms: Date.now() - started, attempts, last };
  }
}
