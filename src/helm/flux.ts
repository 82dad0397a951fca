// The Flux way, as CozyStack installs its own packages: a helm.toolkit.fluxcd.io/v2 HelmRelease, applied server-side,
// that Flux's helm-controller reconciles from a chart source; readiness is its Ready condition for the current
// generation.
import { assertDnsLabel } from './arguments';
import { HelmTransientError } from './errors';
import { describeConditions, findCondition } from '../kubernetes/conditions';
import { type KubeClient } from '../kubernetes/client';
import { type KubeObject } from '../kubernetes/types';

export const HELM_RELEASE_API = 'helm.toolkit.fluxcd.io/v2';

export interface FluxChartSource {
  /** HelmRepository, GitRepository or Bucket. */
  kind: 'HelmRepository' | 'GitRepository' | 'Bucket';
  name: string;
  namespace?: string;
}

export interface FluxReleaseOptions {
  name: string;
  namespace: string;
  /** Chart name in a HelmRepository, or its path in a GitRepository/Bucket. */
  chart: string;
  version?: string;
  source: FluxChartSource;
  values?: Record<string, unknown>;
  targetNamespace?: string;
  interval?: string;
}

export function helmReleaseManifest(o: FluxReleaseOptions): KubeObject {
  assertDnsLabel('HelmRelease name', o.name);
  assertDnsLabel('namespace', o.namespace);
  return {
    apiVersion: HELM_RELEASE_API,
    kind: 'HelmRelease',
    metadata: { name: o.name, namespace: o.namespace },
    spec: {
      interval: o.interval ?? '5m',
      ...(o.targetNamespace ? { targetNamespace: o.targetNamespace } : {}),
      chart: {
        spec: {
          chart: o.chart,
          ...(o.version ? { version: o.version } : {}),
          sourceRef: { kind: o.source.kind, name: o.source.name, ...(o.source.namespace ? { namespace: o.source.namespace } : {}) },
        },
      },
      install: { remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3 } },
      values: o.values ?? {},
    },
  };
}

/** Ready for the generation last applied (a Ready left over from the previous spec does not count). */
export function helmReleaseReady(obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  const ready = findCondition(obj, 'Ready');
  const generation = obj.metadata.generation ?? 0;
  const observed = (ready as { observedGeneration?: number } | undefined)?.observedGeneration ?? (obj.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
  return ready?.status === 'True' && observed >= generation;
}

/** Applies the HelmRelease and waits for Ready; the timeout error says which conditions were last seen. */
export async function applyHelmRelease(
  client: KubeClient,
  o: FluxReleaseOptions,
  wait: { timeoutMs: number; pollMs?: number; onHeartbeat?: (lastSeen: string, elapsedMs: number) => void; signal?: AbortSignal },
): Promise<KubeObject> {
  await client.apply(helmReleaseManifest(o));
  const ref = { apiVersion: HELM_RELEASE_API, kind: 'HelmRelease', name: o.name, namespace: o.namespace };
  const started = Date.now();
  // Polling rather than a watch: one read a second is nothing next to a chart install, and it cannot miss an event.
  for (;;) {
    const last = await client.find(ref);
    if (helmReleaseReady(last)) return last as KubeObject;
    const seen = last ? describeConditions(last) : 'the HelmRelease does not exist';
    const elapsedMs = Date.now() - started;
    wait.onHeartbeat?.(seen, elapsedMs);
    if (elapsedMs >= wait.timeoutMs) {
      throw new HelmTransientError(
        `HelmRelease ${o.namespace}/${o.name} did not become ready within ${Math.round(wait.timeoutMs / 1000)} s; last seen: ${seen} (generation ${last?.metadata.generation ?? '-'})`,
      );
    }
    if (wait.signal?.aborted) throw wait.signal.reason instanceof Error ? wait.signal.reason : new Error(`waiting for HelmRelease ${o.namespace}/${o.name} was cancelled`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait.pollMs ?? 1_000, Math.max(wait.timeoutMs - elapsedMs, 10))));
  }
}
