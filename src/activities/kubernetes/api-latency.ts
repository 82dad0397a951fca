// kubernetes.api-latency: response time of authenticated reads of the API server, as controllers and the steps
// will see it. Non-blocking: a slow API still works, the report warns.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import { heartbeat, runKubernetesStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

export const KUBERNETES_LATENCY_SAMPLES = 20;
/** Median above this fails the check; p95 above it warns. An API server on a healthy network answers in tens of ms. */
export const KUBERNETES_API_LATENCY_MS = 250;
const SAMPLE_PATH = '/api/v1/namespaces/kube-system';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function kubernetesApiLatency(input: StepInput): Promise<StepOutcome> {
  const limit = KUBERNETES_API_LATENCY_MS;
  return runKubernetesStep(input, `time GET ${SAMPLE_PATH}`, async (client) => {
    // The first call pays for the TLS handshake: not what steady traffic costs.
    await client.getPath(SAMPLE_PATH);
    const samples: number[] = [];
    for (let i = 0; i < KUBERNETES_LATENCY_SAMPLES; i++) {
      const started = process.hrtime.bigint();
      await client.getPath(SAMPLE_PATH);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      heartbeat({ sample: i + 1 });
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    const metrics = { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), maxMs: round(sorted[sorted.length - 1]), samples: samples.length };
    const figures = `p50 ${metrics.p50Ms} ms, p95 ${metrics.p95Ms} ms over ${samples.length} GETs of ${SAMPLE_PATH}`;
    if (metrics.p50Ms > limit) {
      throw checkFailed(`Kubernetes API latency ${figures} exceeds ${limit} ms at the median: check the network path to ${client.server} and the API server's load`);
    }
    if (metrics.p95Ms > limit) return { status: 'warning', message: `Kubernetes API latency ${figures}: p95 above ${limit} ms`, metrics };
    return { status: 'passed', message: `Kubernetes API latency ${figures} (threshold ${limit} ms)`, metrics };
  });
}

export const kubernetesApiLatencyStep = defineStep({
  id: 'kubernetes.api-latency',
  phase: 'preparation',
  title: 'Kubernetes API reachable, latency under the threshold',
  blocking: false,
  startToCloseSeconds: 120,
  run: kubernetesApiLatency,
});
