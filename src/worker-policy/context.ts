// Which policy the running activity is under. createWorker (src/worker.ts) registers every activity wrapped in its
// policy's scope (scopeActivities), so code deep in a step (the secret resolver, a client factory, an approval check)
// reads it here instead of having it passed down through every call.
//
// Scoped per activity set rather than a module-level variable set once by createWorker: two workers in one process
// (tests, the demo beside a test worker) keep their own policies, and activities made without one (a benchmark, a
// test calling a step directly) run as without a policy file, whatever another worker in the process was given.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkerPolicy } from './schema';

const scope = new AsyncLocalStorage<WorkerPolicy | undefined>();

/** Runs `body` (an activity) under `policy`; undefined: no policy file, everything allowed. */
export function withWorkerPolicy<T>(policy: WorkerPolicy | undefined, body: () => Promise<T>): Promise<T> {
  return scope.run(policy, body);
}

/** The policy of the running activity, or undefined when its worker has none. */
export function currentWorkerPolicy(): WorkerPolicy | undefined {
  return scope.getStore();
}

/** The approvers the running activity's worker policy lists (none without a policy). */
export function workerApprovers(): { name: string; key: string }[] {
  return (currentWorkerPolicy()?.approvers ?? []).map((a) => ({ name: a.name, key: a.key }));
}

/** The activities, each run under `policy`: what createWorker registers, so every activity of the worker is guarded. */
export function scopeActivities<A extends Record<string, (...args: never[]) => Promise<unknown>>>(policy: WorkerPolicy | undefined, acts: A): A {
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => {
      const scoped = (...args: never[]) => withWorkerPolicy(policy, () => fn(...args));
      Object.defineProperty(scoped, 'name', { value: fn.name });
      return [name, scoped];
    }),
  ) as A;
}
