// The Cluster API core controller of the sandbox operator: Clusters, MachineDeployments, MachineSets and Machines
// (capi-cluster.ts, capi-machinesets.ts, capi-machine.ts) in every namespace, one pass at a time. A failure of one
// object is logged and retried on the next pass without holding up the others.
import type { KubeObject } from '../../../../src/kubernetes/types';
import { reconcileCluster } from './capi-cluster';
import { reconcileMachine } from './capi-machine';
import { reconcileMachineDeployment, reconcileMachineSet } from './capi-machinesets';
import type { OperatorContext, RunningController, StartController } from './context';
import { CLUSTER_API } from './kube-ops';
import { reconcileLoop } from './reconcile-loop';

export const CAPI_CORE_CONTROLLER = 'capi-core';

const RECONCILERS: Array<[string, (ctx: OperatorContext, obj: KubeObject) => Promise<void>]> = [
  ['Cluster', reconcileCluster],
  ['MachineDeployment', reconcileMachineDeployment],
  ['MachineSet', reconcileMachineSet],
  ['Machine', reconcileMachine],
];

export const startCapiCore: StartController = async (ctx): Promise<RunningController> =>
  reconcileLoop(ctx, CAPI_CORE_CONTROLLER, async () => {
    for (const [kind, reconcile] of RECONCILERS) {
      for (const obj of await ctx.kube.list(CLUSTER_API, kind)) {
        try {
          await reconcile(ctx, obj);
        } catch (err) {
          ctx.log(CAPI_CORE_CONTROLLER, `${kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${(err as Error).message}`);
        }
      }
    }
  });
