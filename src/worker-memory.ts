// The worker's V8 young generation, capped. A worker is I/O-bound and keeps little; V8's default lets each isolate's
// new space grow to tens of MB before it is collected, and a worker has two isolates (the main thread, where
// activities run, and the workflow thread). Capped at 4 MB per semi-space, the worker idles at about 212 MB RSS
// instead of 246 MB and peaks at 359 MiB instead of 419-500 MiB under 50 concurrent runs, at the same run
// durations (docs/benchmarks.md). The main thread's heap is configured when the process starts, so the flag is
// given on the command line (setting V8 flags at run time is undefined behaviour in Node).
export const WORKER_SEMI_SPACE_MB = 4;

/** Node flags for a worker process: the launcher's and the Dockerfile's, and those of the workers the sandbox and the benchmarks start. */
export const WORKER_NODE_FLAGS = [`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
