// Waits on the sandbox's monitoring processes over HTTP: a page that answers 200, and a PromQL query that returns
// a series (what "Prometheus holds the metric" means).
import axios from 'axios';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForHttpOk(url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await axios.get(url, { timeout: 2_000, validateStatus: () => true });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${what} did not answer 200 on ${url} within ${timeoutMs / 1000}s (last: ${last})`);
}

/** Polls /api/v1/targets until a target of the job is listed (whatever its health). */
export async function waitForPrometheusTarget(prometheusUrl: string, job: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await axios.get<{ data?: { activeTargets?: { labels: Record<string, string> }[] } }>(`${prometheusUrl}/api/v1/targets`, { timeout: 3_000 });
      const targets = res.data.data?.activeTargets ?? [];
      if (targets.some((t) => t.labels.job === job)) return;
      last = `${targets.length} target(s), none of job ${job}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`Prometheus at ${prometheusUrl} did not list a target of job ${job} within ${timeoutMs / 1000}s (last: ${last})`);
}

interface QueryResponse {
  status: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** Polls an instant query until it returns at least one sample; resolves with the samples. */
export async function waitForPrometheusSeries(
  prometheusUrl: string,
  query: string,
  timeoutMs: number,
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await axios.get<QueryResponse>(`${prometheusUrl}/api/v1/query`, { params: { query }, timeout: 3_000 });
      const samples = res.data.data?.result ?? [];
      if (samples.length > 0) return samples.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
      last = 'empty result';
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`Prometheus at ${prometheusUrl} returned no series for ${query} within ${timeoutMs / 1000}s (last: ${last})`);
}
