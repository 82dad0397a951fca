// The sandbox's worker acts in the cluster as the in-cluster worker would: as the ServiceAccount of the
// cozy-proxmox-worker chart, with exactly the chart's RBAC. The chart is installed with no replicas (the worker runs
// as a process here), and the worker's kubeconfig carries a token of that ServiceAccount. Every run against the
// sandbox is then a check of the chart's RBAC: a permission a step needs and the chart lacks fails that step with
// the verb and resource the API server names.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from '../../../../src/kubernetes/client';
import { rawRequest } from '../../../../src/kubernetes/raw-request';
import { installProjectChart } from './install-chart';
import { renderKubeconfig } from './kubeconfig';

export const WORKER_RELEASE = { name: 'cozy-proxmox-worker', namespace: 'cozy-proxmox' } as const;

/** Long enough for any sandbox session; `sandbox up` makes a new one each time. */
const TOKEN_SECONDS = 7 * 24 * 3600;

export interface WorkerIdentity {
  kubeconfig: string;
  serviceAccount: string;
}

/** Installs the chart with the admin kubeconfig and writes `dir/worker-kubeconfig` (same cluster, the token as user). */
export async function installWorkerIdentity(adminKubeconfig: string, dir: string, testNamespace: string, say: (m: string) => void): Promise<WorkerIdentity> {
  say(`installing the ${WORKER_RELEASE.name} chart's ServiceAccount and RBAC (no replicas: the sandbox's worker is a process acting as that ServiceAccount)`);
  await installProjectChart(adminKubeconfig, WORKER_RELEASE.name, WORKER_RELEASE.namespace, { replicaCount: 0, 'rbac.testNamespace': testNamespace });
  const kube = await KubeClient.connect({ kubeconfig: adminKubeconfig });
  const cluster = kube.kc.getCurrentCluster();
  if (!cluster?.caData) throw new Error(`${adminKubeconfig} holds no certificate-authority-data`);
  const serviceAccount = WORKER_RELEASE.name;
  const res = await rawRequest(kube.kc, `/api/v1/namespaces/${WORKER_RELEASE.namespace}/serviceaccounts/${serviceAccount}/token`, {
    method: 'POST',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: TOKEN_SECONDS } },
  });
  const token = (JSON.parse(res.body) as { status: { token: string } }).status.token;
  const kubeconfig = join(dir, 'worker-kubeconfig');
  const user = `system:serviceaccount:${WORKER_RELEASE.namespace}:${serviceAccount}`;
  const caPem = Buffer.from(cluster.caData, 'base64').toString('utf8');
  writeFileSync(kubeconfig, renderKubeconfig({ server: cluster.server, caPem, token, user }), { mode: 0o600 });
  return { kubeconfig, serviceAccount: user };
}
