// The Proxmox CSI controller in the sandbox is the real program: proxmox-csi-plugin's controller with the real
// external-provisioner, external-attacher and external-resizer sidecars, talking over the CSI socket. When a pod of
// the chart's controller Deployment runs (kwok schedules it and marks it Running), its containers are started as
// local processes from the binaries `npm run tools` built (pod-processes.ts), with the pod's own arguments, cloud
// config Secret and ServiceAccount; the pod gone, they stop. Containers without a binary here (the liveness probe:
// nothing probes a kwok pod; the csi-snapshotter, which the chart adds only on request) are not run, and the log
// says so once.
import { toolPath } from '../../../../src/tools/tool-paths';
import type { OperatorContext, RunningController, StartController } from './context';
import { listOf } from './csi-kube';
import { PodProcesses, type Pod, type RunnableImage } from './pod-processes';
import { reconcileLoop } from './reconcile-loop';
import { containerLogsDir } from './container-log';

const NAME = 'csi-controller';

/** The images of the chart's controller pod and the binaries behind them. */
export const CSI_CONTROLLER_IMAGES: RunnableImage[] = [
  { image: /\/proxmox-csi-controller(:|@|$)/, binary: () => toolPath('PROXMOX_CSI_CONTROLLER', 'csi') },
  { image: /\/csi-provisioner(:|@|$)/, binary: () => toolPath('CSI_PROVISIONER', 'csi') },
  { image: /\/csi-attacher(:|@|$)/, binary: () => toolPath('CSI_ATTACHER', 'csi') },
  { image: /\/csi-resizer(:|@|$)/, binary: () => toolPath('CSI_RESIZER', 'csi') },
];

const isControllerPod = (p: Pod) => p.spec.containers.some((c) => CSI_CONTROLLER_IMAGES[0].image.test(c.image ?? ''));
const isRunning = (p: Pod) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp;

export const startCsiController: StartController = async (ctx: OperatorContext): Promise<RunningController> => {
  const running = new Map<string, PodProcesses>();
  const log = (m: string) => ctx.log(NAME, m);
  const loop = reconcileLoop(ctx, NAME, async () => {
    const pods = (await listOf<Pod>(ctx.kube, 'v1', 'Pod', undefined, 'app.kubernetes.io/component=controller')).filter((p) => isControllerPod(p) && isRunning(p));
    const wanted = new Set(pods.map((p) => p.metadata.uid ?? ''));
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
      const processes = new PodProcesses(pod, CSI_CONTROLLER_IMAGES, { kube: ctx.kube, podsDir: ctx.podsDir, containerLogsDir: containerLogsDir(ctx.podsDir), log });
      running.set(uid, processes);
      const skipped = pod.spec.containers.filter((c) => !processes.runnable().some((r) => r.container === c)).map((c) => c.name);
      try {
        await processes.start();
      } catch (err) {
        running.delete(uid);
        await processes.stop();
        throw err;
      }
      log(`${processes.podName}: started ${processes.runnable().map((r) => r.container.name).join(', ')} in ${processes.dir}${skipped.length ? `; not run here: ${skipped.join(', ')}` : ''}`);
    }
  });
  return {
    name: NAME,
    stop: async () => {
      await loop.stop();
      await Promise.all([...running.values()].map((p) => p.stop()));
      running.clear();
    },
  };
};
