// A controller that plays the kubelet for the pods whose images the sandbox has programs for: when such a pod runs
// (kwok schedules it and marks it Running), its containers are started as local processes (pod-processes.ts) with
// the pod's own arguments, volumes and ServiceAccount; the pod gone, they stop. Containers without a program here
// are not run, and the log says so once per pod.
import type { OperatorContext, RunningController, StartController } from './context';
import { containerLogsDir } from './container-log';
import { listOf } from './csi-kube';
import { PodNotReady, PodProcesses, type Pod, type RunnableImage } from './pod-processes';
import { reconcileLoop } from './reconcile-loop';

export interface PodRunnerSpec {
  /** The controller's name (the operator's log, --controllers). */
  name: string;
  /**
   * The images whose containers run here, and their programs; the first one marks the pods this runner owns (the
   * others are its sidecars), unless `anyImageOwns`: then a pod with any of them is this runner's.
   */
  images: RunnableImage[];
  anyImageOwns?: boolean;
  /** Narrows the pods listed on each pass (they are all listed otherwise). */
  labelSelector?: string;
  /** Loopback ports the pods' containers reach from their network namespaces (none: no namespace). */
  reach?: (ctx: OperatorContext) => number[];
}

const isRunning = (p: Pod) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp;

export function podRunner(spec: PodRunnerSpec): StartController {
  const marks = spec.anyImageOwns ? spec.images : spec.images.slice(0, 1);
  const owns = (p: Pod) => p.spec.containers.some((c) => marks.some((m) => m.image.test(c.image ?? '')));
  return async (ctx: OperatorContext): Promise<RunningController> => {
    const running = new Map<string, PodProcesses>();
    const waiting = new Map<string, string>();
    const log = (m: string) => ctx.log(spec.name, m);
    const reach = spec.reach?.(ctx);
    const loop = reconcileLoop(ctx, spec.name, async () => {
      const pods = (await listOf<Pod>(ctx.kube, 'v1', 'Pod', undefined, spec.labelSelector)).filter((p) => owns(p) && isRunning(p));
      const wanted = new Set(pods.map((p) => p.metadata.uid ?? ''));
      for (const uid of waiting.keys()) if (!wanted.has(uid)) waiting.delete(uid);
      for (const [uid, processes] of running) {
        if (wanted.has(uid)) continue;
        running.delete(uid);
        await processes.stop();
        log(`${processes.podName} gone: its processes stopped`);
      }
      for (const pod of pods) {
        const uid = pod.metadata.uid ?? '';
        const existing = running.get(uid);
        if (existing) {
          await existing.refreshToken();
          continue;
        }
        const processes = new PodProcesses(pod, spec.images, { kube: ctx.kube, podsDir: ctx.podsDir, containerLogsDir: containerLogsDir(ctx.podsDir), reach, log });
        running.set(uid, processes);
        const skipped = pod.spec.containers.filter((c) => !processes.runnable().some((r) => r.container === c)).map((c) => c.name);
        try {
          await processes.start();
        } catch (err) {
          running.delete(uid);
          await processes.stop();
          if (!(err instanceof PodNotReady)) throw err;
          // Said once per pod and reason; the pass after the wait is over starts it.
          if (waiting.get(uid) !== err.message) log(err.message);
          waiting.set(uid, err.message);
          continue;
        }
        waiting.delete(uid);
        const names = processes.runnable().map((r) => {
          const ports = processes.published(r.container.name);
          return ports ? `${r.container.name} (${[...ports].map(([p, h]) => `:${p} on 127.0.0.1:${h}`).join(', ')})` : r.container.name;
        });
        log(`${processes.podName}: started ${names.join(', ')} in ${processes.dir}${skipped.length ? `; not run here: ${skipped.join(', ')}` : ''}`);
      }
    });
    return {
      name: spec.name,
      stop: async () => {
        await loop.stop();
        await Promise.all([...running.values()].map((p) => p.stop()));
        running.clear();
      },
    };
  };
}
