// Command lines of the control-plane components. Everything listens on loopback only; the flags follow what
// controller-runtime's envtest passes, plus what kube-controller-manager and kube-scheduler need to run for real.
import { join } from 'node:path';
import { controllersFlag, type ClusterProfile } from './cluster-profile';
import { LOOPBACK } from './ports';

/** The Service network: virtual addresses inside the cluster, never routed anywhere. */
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** The first address of that range, which the `kubernetes` Service gets and the serving certificate must name. */
export const KUBERNETES_SERVICE_IP = '10.0.0.1';

/** The identity the apiserver presents when it proxies a request to an aggregated API server. */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

export interface ControlPlaneFiles {
  pki: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  adminKubeconfig: string;
  controllerManagerKubeconfig: string;
  schedulerKubeconfig: string;
  kwokKubeconfig: string;
  kwokConfig: string;
  admissionConfig: string;
  /** kube-apiserver's egress selector configuration and the socket of the pod network it names (pod-network.ts). */
  egressSelectorConfig: string;
  podNetworkSocket: string;
}

export function controlPlaneFiles(dir: string): ControlPlaneFiles {
  const pki = join(dir, 'pki');
  return {
    pki,
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    apiserverCert: join(pki, 'apiserver.crt'),
    apiserverKey: join(pki, 'apiserver.key'),
    serviceAccountKey: join(pki, 'sa.key'),
    serviceAccountPub: join(pki, 'sa.pub'),
    frontProxyCaCert: join(pki, 'front-proxy-ca.crt'),
    frontProxyClientCert: join(pki, 'front-proxy-client.crt'),
    frontProxyClientKey: join(pki, 'front-proxy-client.key'),
    adminKubeconfig: join(dir, 'admin.kubeconfig'),
    controllerManagerKubeconfig: join(dir, 'controller-manager.kubeconfig'),
    schedulerKubeconfig: join(dir, 'scheduler.kubeconfig'),
    kwokKubeconfig: join(dir, 'kwok.kubeconfig'),
    kwokConfig: join(dir, 'kwok.yaml'),
    admissionConfig: join(dir, 'admission.yaml'),
    egressSelectorConfig: join(dir, 'egress-selector.yaml'),
    podNetworkSocket: join(dir, 'pod-network.sock'),
  };
}

export function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://${LOOPBACK}:${clientPort}`;
  const peer = `http://${LOOPBACK}:${peerPort}`;
  return [
    '--name=sandbox',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=sandbox=${peer}`,
    '--initial-cluster-state=new',
    // The data is thrown away with the sandbox: durability would only cost time.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export function apiserverArgs(files: ControlPlaneFiles, securePort: number, etcdClientPort: number, controllers: boolean, profile: ClusterProfile): string[] {
  const args = [
    `--etcd-servers=http://${LOOPBACK}:${etcdClientPort}`,
    `--bind-address=${LOOPBACK}`,
    `--advertise-address=${LOOPBACK}`,
    `--secure-port=${securePort}`,
    `--cert-dir=${files.pki}`,
    `--tls-cert-file=${files.apiserverCert}`,
    `--tls-private-key-file=${files.apiserverKey}`,
    `--client-ca-file=${files.caCert}`,
    // As kubeadm runs it: the Node authorizer lets a joined kubelet (system:node:<name>) touch only its own Node and
    // what its pods need, and NodeRestriction keeps it from setting labels reserved for the cluster.
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--allow-privileged=true',
    `--service-account-issuer=https://${LOOPBACK}:${securePort}/`,
    `--service-account-key-file=${files.serviceAccountPub}`,
    `--service-account-signing-key-file=${files.serviceAccountKey}`,
    // The `kubernetes` Service would get 127.0.0.1 as its endpoint, which Endpoints validation refuses (loopback);
    // nothing inside this cluster reaches the apiserver through that Service anyway.
    '--endpoint-reconciler-type=none',
    // Bootstrap tokens let a joining node authenticate the way `kubeadm join` does.
    '--enable-bootstrap-token-auth=true',
    // The front-proxy (request-header) trust that aggregated API servers rely on; the controller manager and the
    // scheduler read it from kube-system/extension-apiserver-authentication and complain while it is missing.
    `--requestheader-client-ca-file=${files.frontProxyCaCert}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${files.frontProxyClientCert}`,
    `--proxy-client-key-file=${files.frontProxyClientKey}`,
    // Webhooks and aggregated APIs behind a Service are called at a pod address of the Service's endpoints, as
    // konnectivity-style clusters (CozyStack's tenant control planes) do, and that traffic goes through the pod
    // network's proxy (pod-network.ts): nothing on this machine routes a ClusterIP or a kwok pod address.
    '--enable-aggregator-routing=true',
    `--egress-selector-config-file=${files.egressSelectorConfig}`,
  ];
  // Without kube-controller-manager nobody creates the `default` ServiceAccount, and this admission plugin would
  // refuse every pod; envtest switches it off for the same reason.
  if (!controllers) args.push('--disable-admission-plugins=ServiceAccount');
  // Talos configures Pod Security admission (cluster-profile.ts); kubeadm leaves its defaults (privileged).
  if (profile === 'talos') args.push(`--admission-control-config-file=${files.admissionConfig}`);
  return args;
}

/** Flags kube-controller-manager and kube-scheduler share: their kubeconfig and a loopback health endpoint. */
function componentServingArgs(kubeconfig: string, port: number, certDir: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
    // One instance only: leader election would just delay the start by a lease period.
    '--leader-elect=false',
  ];
}

export function controllerManagerArgs(dir: string, files: ControlPlaneFiles, port: number, profile: ClusterProfile): string[] {
  return [
    ...componentServingArgs(files.controllerManagerKubeconfig, port, join(dir, 'controller-manager')),
    // Each controller acts as its own ServiceAccount, so bootstrap RBAC grants it exactly what it needs.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${files.serviceAccountKey}`,
    `--root-ca-file=${files.caCert}`,
    `--cluster-signing-cert-file=${files.caCert}`,
    `--cluster-signing-key-file=${files.caKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // Which controllers run is what tells a kubeadm cluster from a Talos one (cluster-profile.ts).
    controllersFlag(profile),
  ];
}

export function schedulerArgs(dir: string, files: ControlPlaneFiles, port: number): string[] {
  return componentServingArgs(files.schedulerKubeconfig, port, join(dir, 'scheduler'));
}

export function kwokArgs(files: ControlPlaneFiles, serverPort: number, annotationSelector: string): string[] {
  return [
    `--config=${files.kwokConfig}`,
    `--kubeconfig=${files.kwokKubeconfig}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${annotationSelector}`,
    // Heartbeats through node Leases, renewed every few seconds, as a kubelet does. Without a lease kwok posts node
    // status every 20-45 s, which on a loaded machine outlasts the node lifecycle controller's 50 s grace period:
    // the node goes Unknown for a moment, its pods are marked not ready, and kwok never marks them ready again.
    '--node-lease-duration-seconds=40',
    `--server-address=${LOOPBACK}:${serverPort}`,
  ];
}

/** The pods' addresses: a range of their own, apart from the Service network, as a CNI's pod CIDR is. */
export const POD_CIDR = '10.244.0.1/16';

/** kwok's own configuration file; with no Stage objects in it kwok plays its built-in node and pod lifecycles. */
export const KWOK_CONFIG = `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  cidr: ${POD_CIDR}
`;
