// How the sandbox's control plane is set up, as two kinds of cluster run it:
// - `talos` (the default, since CozyStack runs on Talos Linux): kube-controller-manager with `*,tokencleaner`, so no
//   bootstrapsigner and no JWS-signed cluster-info; no kubeadm-config or kubelet-config ConfigMaps; the node
//   bootstrap RBAC Talos creates for its own nodes' TLS bootstrap (bootstrap tokens may ask for node client
//   certificates, which are approved automatically; nodes renew their own); Pod Security admission configured as
//   Talos configures it (enforce baseline, warn and audit restricted, kube-system exempt).
// - `kubeadm`: kube-controller-manager with `*,bootstrapsigner,tokencleaner` and the objects `kubeadm init` leaves:
//   kubeadm-config, kubelet-config, kube-public/cluster-info readable anonymously, and the RBAC of its bootstrap
//   token group (node bootstrap, auto-approval, reading the two ConfigMaps and Nodes).
import { SERVICE_CLUSTER_IP_RANGE } from './component-args';
import { KUBERNETES_VERSION } from './kubernetes-version';

export const CLUSTER_PROFILES = ['talos', 'kubeadm'] as const;
export type ClusterProfile = (typeof CLUSTER_PROFILES)[number];
export const DEFAULT_CLUSTER_PROFILE: ClusterProfile = 'talos';

/** kubeadm's default bootstrap token group. */
const KUBEADM_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

export interface ProfileObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

/** Talos' default admission configuration for kube-apiserver. */
export const TALOS_ADMISSION_CONFIGURATION = `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults:
        enforce: baseline
        enforce-version: latest
        audit: restricted
        audit-version: latest
        warn: restricted
        warn-version: latest
      exemptions:
        usernames: []
        runtimeClasses: []
        namespaces: [kube-system]
`;

export function controllersFlag(profile: ClusterProfile): string {
  return profile === 'kubeadm' ? '--controllers=*,bootstrapsigner,tokencleaner' : '--controllers=*,tokencleaner';
}

const RBAC = 'rbac.authorization.k8s.io';
const group = (name: string) => ({ apiGroup: RBAC, kind: 'Group', name });

function clusterRoleBinding(name: string, role: string, subjects: object[]): ProfileObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects };
}

function readerRole(name: string, namespace: string, resource: string, resourceNames: string[], subjects: object[]): ProfileObject[] {
  return [
    { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules: [{ apiGroups: [''], resources: [resource], resourceNames, verbs: ['get'] }] },
    { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: RBAC, kind: 'Role', name }, subjects },
  ];
}

const NODE_CLIENT = 'system:certificates.k8s.io:certificatesigningrequests:nodeclient';
const SELF_NODE_CLIENT = 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient';

function talosObjects(): ProfileObject[] {
  return [
    clusterRoleBinding('system-bootstrap-approve-node-client-csr', NODE_CLIENT, [group('system:bootstrappers')]),
    clusterRoleBinding('system-bootstrap-node-bootstrapper', 'system:node-bootstrapper', [group('system:bootstrappers')]),
    clusterRoleBinding('system-bootstrap-node-renewal', SELF_NODE_CLIENT, [group('system:nodes')]),
  ];
}

function kubeadmObjects(server: string, caPem: string): ProfileObject[] {
  const clusterConfiguration = [
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: ClusterConfiguration',
    `kubernetesVersion: ${KUBERNETES_VERSION}`,
    'clusterName: kubernetes',
    `controlPlaneEndpoint: ${new URL(server).host}`,
    'certificatesDir: /etc/kubernetes/pki',
    'imageRepository: registry.k8s.io',
    'networking:',
    '  dnsDomain: cluster.local',
    `  serviceSubnet: ${SERVICE_CLUSTER_IP_RANGE}`,
    '',
  ].join('\n');
  const kubeletConfiguration = [
    'apiVersion: kubelet.config.k8s.io/v1beta1',
    'kind: KubeletConfiguration',
    'authentication:',
    '  anonymous: {enabled: false}',
    '  webhook: {enabled: true}',
    '  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}',
    'authorization: {mode: Webhook}',
    'cgroupDriver: systemd',
    'clusterDNS: [10.0.0.10]',
    'clusterDomain: cluster.local',
    'healthzBindAddress: 127.0.0.1',
    'healthzPort: 10248',
    'rotateCertificates: true',
    'staticPodPath: /etc/kubernetes/manifests',
    '',
  ].join('\n');
  const clusterInfo = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    `    server: ${server}`,
    '  name: ""',
    'contexts: []',
    'current-context: ""',
    'preferences: {}',
    'users: []',
    '',
  ].join('\n');
  const tokenAndNodes = [group(KUBEADM_TOKEN_GROUP), group('system:nodes')];
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data: { ClusterConfiguration: clusterConfiguration } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubelet-config', namespace: 'kube-system' }, data: { kubelet: kubeletConfiguration } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: clusterInfo } },
    ...readerRole('kubeadm:bootstrap-signer-clusterinfo', 'kube-public', 'configmaps', ['cluster-info'], [{ apiGroup: RBAC, kind: 'User', name: 'system:anonymous' }]),
    ...readerRole('kubeadm:nodes-kubeadm-config', 'kube-system', 'configmaps', ['kubeadm-config'], tokenAndNodes),
    ...readerRole('kubeadm:kubelet-config', 'kube-system', 'configmaps', ['kubelet-config'], tokenAndNodes),
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'kubeadm:get-nodes' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] },
    clusterRoleBinding('kubeadm:get-nodes', 'kubeadm:get-nodes', [group(KUBEADM_TOKEN_GROUP)]),
    clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group(KUBEADM_TOKEN_GROUP)]),
    clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', NODE_CLIENT, [group(KUBEADM_TOKEN_GROUP)]),
    clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', SELF_NODE_CLIENT, [group('system:nodes')]),
  ];
}

export function profileObjects(profile: ClusterProfile, server: string, caPem: string): ProfileObject[] {
  return profile === 'kubeadm' ? kubeadmObjects(server, caPem) : talosObjects();
}

/** The API path that creates an object of this kind (the kinds profileObjects returns). */
export function collectionPath(obj: ProfileObject): string {
  const plural: Record<string, string> = { ConfigMap: 'configmaps', Role: 'roles', RoleBinding: 'rolebindings', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings' };
  const base = obj.apiVersion === 'v1' ? '/api/v1' : `/apis/${obj.apiVersion}`;
  const ns = obj.metadata.namespace ? `/namespaces/${obj.metadata.namespace}` : '';
  return `${base}${ns}/${plural[obj.kind]}`;
}
