// step3.cluster-ready: a ProxmoxCluster (credentials from the provider chart's Secret, the configured node, address
// pool and DNS) and a Cluster referring to it, in the test namespace; waits until CAPMOX reports the ProxmoxCluster
// ready and Cluster API the Cluster Ready. The credentials are read and written inside this activity only.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { conditionIsTrue, describeConditions } from '../../kubernetes/conditions';
import { type KubeClient } from '../../kubernetes/client';
import { CHART_RELEASES } from '../charts/chart-step';
import { checkFailed } from '../common/failures';
import { runKubernetesStep } from '../kubernetes/step-context';
import { cluster, credentialsSecret, proxmoxCluster, type ProxmoxCredentials } from './objects';
import { refs, step3Names } from './names';
import { waitUntil } from '../common/wait';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';
import { capiCleanupStep3 } from './cleanup';

export const CLUSTER_WAIT_MS = 120_000;
const CHART_SECRET = { apiVersion: 'v1', kind: 'Secret', name: `${CHART_RELEASES.capiProvider.release}-credentials`, namespace: CHART_RELEASES.capiProvider.namespace };

/** The provider's credentials as the capi.provider-chart step stored them (PROXMOX_URL, PROXMOX_TOKEN, PROXMOX_SECRET). */
async function chartCredentials(client: KubeClient): Promise<ProxmoxCredentials> {
  const secret = await client.find<{ data?: Record<string, string> } & Parameters<KubeClient['apply']>[0]>(CHART_SECRET);
  if (!secret) {
    throw checkFailed(`the provider's credentials Secret ${CHART_SECRET.namespace}/${CHART_SECRET.name} does not exist: run the capi.provider-chart step first`);
  }
  const value = (key: string) => (secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : '');
  const creds = { url: value('PROXMOX_URL'), token: value('PROXMOX_TOKEN'), secret: value('PROXMOX_SECRET') };
  const missing = Object.entries({ PROXMOX_URL: creds.url, PROXMOX_TOKEN: creds.token, PROXMOX_SECRET: creds.secret }).filter(([, v]) => !v);
  if (missing.length > 0) {
    throw checkFailed(`Secret ${CHART_SECRET.namespace}/${CHART_SECRET.name} lacks ${missing.map(([k]) => k).join(', ')}: reinstall the cozy-capi-providers-proxmox chart`);
  }
  return creds;
}

export function capiClusterReady(input: StepInput): Promise<StepOutcome> {
  const n = step3Names(input.config);
  return runKubernetesStep(input, `create the Cluster ${n.namespace}/${n.cluster}`, async (client) => {
    await client.apply(credentialsSecret(n, await chartCredentials(client)));
    await client.apply(proxmoxCluster(input.config, n));
    await client.apply(cluster(n));
    const { elapsedMs } = await waitUntil(
      `ProxmoxCluster and Cluster ${n.namespace}/${n.cluster} Ready`,
      async () => {
        const pxc = await client.find(refs.proxmoxCluster(n));
        const c = await client.find(refs.cluster(n));
        const pxcReady = (pxc?.status as { ready?: boolean } | undefined)?.ready === true;
        const clusterReady = conditionIsTrue(c, 'Ready') && (c?.status as { infrastructureReady?: boolean } | undefined)?.infrastructureReady === true;
        const phase = (c?.status as { phase?: string } | undefined)?.phase ?? 'no phase';
        return {
          done: pxcReady && clusterReady,
          seen: `ProxmoxCluster ready=${pxcReady} (${describeConditions(pxc)}); Cluster ${phase} (${describeConditions(c)})`,
        };
      },
      {
        timeoutMs: CLUSTER_WAIT_MS,
        hint: `\`kubectl describe proxmoxcluster -n ${n.namespace} ${n.cluster}\` shows why CAPMOX does not accept it (ProxmoxUnreachable: the URL, token or CA; allowedNodes)`,
      },
    );
    return {
      status: 'passed',
      message: `Cluster ${n.namespace}/${n.cluster} Provisioned on ProxmoxCluster ${n.cluster} (node ${input.config.proxmox.node}) in ${(elapsedMs / 1000).toFixed(1)} s`,
      outputs: { namespace: n.namespace, cluster: n.cluster, proxmoxCluster: n.cluster },
      metrics: { clusterReadySeconds: Math.round(elapsedMs / 100) / 10 },
    };
  });
}

export const step3ClusterReadyStep = defineStep({
  id: 'step3.cluster-ready',
  phase: 'basic-integration',
  group: 'step3-vm-management',
  title: 'ProxmoxCluster and Cluster Ready',
  dependsOn: ['capi.provider-ready'],
  blocking: true,
  startToCloseSeconds: 180,
  retry: WAIT_RETRY,
  component: 'Cluster API provider Proxmox',
  run: capiClusterReady,
  // Removes everything the step-3 steps made and waits until their VMs are gone (kept with keepTestResources).
  // Two waits of up to 180 s (Machines, then Cluster) and one of 60 s (the VMs in Proxmox).
  undo: { when: 'always', startToCloseSeconds: 480, run: capiCleanupStep3 },
});
