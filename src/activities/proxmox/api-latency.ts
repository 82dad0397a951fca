// step1.api-latency: response time of authenticated reads, as the provider and CSI will see it.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import { heartbeat, runProxmoxStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

export const LATENCY_SAMPLES = 20;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function step1ApiLatency(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  const limit = cfg.thresholds.apiLatencyMs;
  return runProxmoxStep(input, 'preferred', async (client) => {
    // The first call pays for the TLS handshake and a login; it is not what steady traffic costs.
    await client.version();
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const started = process.hrtime.bigint();
      await client.nodeStatus(cfg.node);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      heartbeat({ sample: i + 1 });
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    const metrics = {
      p50Ms: round(percentile(sorted, 50)),
      p95Ms: round(percentile(sorted, 95)),
      maxMs: round(sorted[sorted.length - 1]),
      samples: samples.length,
    };
    const figures = `p50 ${metrics.p50Ms} ms, p95 ${metrics.p95Ms} ms over ${samples.length} GETs of /nodes/${cfg.node}/status`;
    if (metrics.p50Ms > limit) {
      throw checkFailed(`API latency ${figures} exceeds ${limit} ms at the median: check the network path and node load`);
    }
    if (metrics.p95Ms > limit) {
      return { status: 'warning', message: `API latency ${figures}: p95 above ${limit} ms`, metrics };
    }
    return { status: 'passed', message: `API latency ${figures} (threshold ${limit} ms)`, metrics };
  });
}

export const step1ApiLatencyStep = defineStep({
  id: 'step1.api-latency',
  phase: 'basic-integration',
  group: 'step1-api-connection',
  title: 'API response time under the threshold',
  blocking: false,
  startToCloseSeconds: 120,
  run: step1ApiLatency,
});
