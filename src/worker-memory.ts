// The worker's V8 young generation, capped. A worker is I/O-bound and keeps little; V8's default lets each isolate's
// new space grow to tens of MB before it is collected, and a worker has two isolates (the main thread, where
// activities run, and the workflow thread). Capped at 4 MB per semi-space, the worker idles at about 212 MB RSS
// instead of 246 MB and peaks at 359 MiB instead of 419-500 MiB under 50 concurrent runs, at the same run
// durations (docs/benchmarks.md).
import { setFlagsFromString } from 'node:v8';

export const WORKER_SEMI_SPACE_MB = 4;

/** Node flags for a worker process: the launcher's and the Dockerfile's, and those of the workers the sandbox and the benchmarks start. */
export const WORKER_NODE_FLAGS = [`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];

/**
 * Applies the cap to isolates created from now on (the SDK's workflow thread) when the process was not started
 * with it. The main thread's heap is configured at process start: only the flag on the command line reaches it.
 */
export function capWorkflowThreadYoungGeneration(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'));
  if (!given) setFlagsFromString(WORKER_NODE_FLAGS[0]);
}
