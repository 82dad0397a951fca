// The CAPMOX controller of the sandbox operator: ProxmoxClusters and ProxmoxMachines (capmox-cluster.ts,
// capmox-machine.ts) in every namespace, one pass at a time. A failure of one object is logged and retried on the
// next pass without holding up the others.
import type { KubeObject } from '../../../../src/kubernetes/types';
import { CapmoxClients } from './capmox-client';
import { reconcileProxmoxCluster } from './capmox-cluster';
import { ProxmoxMachineReconciler } from './capmox-machine';
import type { OperatorContext, RunningController, StartController } from './context';
import { CAPMOX_API } from './kube-ops';
import { reconcileLoop } from './reconcile-loop';

export const CAPMOX_CONTROLLER = 'capmox';

async function listOrEmpty(ctx: OperatorContext, kind: string): Promise<KubeObject[]> {
  try {
    return await ctx.kube.list(CAPMOX_API, kind);
  } catch {
    // The CRDs arrive with the InfrastructureProvider: until then there is nothing to reconcile.
    return [];
  }
}

async function each(ctx: OperatorContext, objects: KubeObject[], reconcile: (o: KubeObject) => Promise<void>): Promise<void> {
  for (const obj of objects) {
    try {
      await reconcile(obj);
    } catch (err) {
      ctx.log(CAPMOX_CONTROLLER, `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${(err as Error).message}`);
    }
  }
}

export const startCapmox: StartController = async (ctx): Promise<RunningController> => {
  const clients = new CapmoxClients(ctx.kube, ctx.proxmox);
  const machines = new ProxmoxMachineReconciler(ctx, clients);
  const loop = reconcileLoop(ctx, CAPMOX_CONTROLLER, async () => {
    await each(ctx, await listOrEmpty(ctx, 'ProxmoxCluster'), (pxc) => reconcileProxmoxCluster(ctx, clients, pxc));
    const all = await listOrEmpty(ctx, 'ProxmoxMachine');
    await each(ctx, all, (pm) => machines.reconcile(pm, all));
  });
  return {
    name: loop.name,
    stop: async () => {
      await loop.stop();
      clients.closeAll();
    },
  };
};
