// Which DaemonSets would land on the joined hypervisor: the DaemonSet controller's rules (node selector, required
// node affinity, tolerations of NoSchedule/NoExecute taints) applied to the node's labels and taints. No cluster.
import { agentKind, tolerates, wouldRunOn } from '../../src/activities/worker-host/host-daemonsets';
import type { KubeObject } from '../../src/kubernetes/types';

const HOST_LABELS = { 'kubernetes.io/hostname': 'pve1', 'node-role.kubernetes.io/proxmox-host': '' };
const TAINT = { key: 'node-role.kubernetes.io/proxmox-host', effect: 'NoSchedule' };

function ds(name: string, pod: Record<string, unknown>, image = `example.org/${name}:1`): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'ns' }, spec: { template: { spec: { containers: [{ image }], ...pod } } } } as KubeObject;
}

test('tolerations: a catch-all, the taint by key, by key and value, by effect', () => {
  expect(tolerates([{ operator: 'Exists' }], TAINT)).toBe(true);
  expect(tolerates([{ key: TAINT.key, operator: 'Exists' }], TAINT)).toBe(true);
  expect(tolerates([{ key: TAINT.key, operator: 'Equal', value: '' }], TAINT)).toBe(true);
  expect(tolerates([{ key: TAINT.key, operator: 'Equal', value: 'x' }], TAINT)).toBe(false);
  expect(tolerates([{ operator: 'Exists', effect: 'NoExecute' }], TAINT)).toBe(false);
  expect(tolerates([], TAINT)).toBe(false);
});

test('a DaemonSet lands when selector, required affinity and tolerations all allow it', () => {
  expect(wouldRunOn(ds('cilium', { tolerations: [{ operator: 'Exists' }] }) as never, HOST_LABELS, [TAINT])).toBe(true);
  expect(wouldRunOn(ds('plain', {}) as never, HOST_LABELS, [TAINT])).toBe(false);
  // Untainted, everything the labels allow lands; PreferNoSchedule keeps nothing away.
  expect(wouldRunOn(ds('plain', {}) as never, HOST_LABELS, [])).toBe(true);
  expect(wouldRunOn(ds('plain', {}) as never, HOST_LABELS, [{ key: 'soft', effect: 'PreferNoSchedule' }])).toBe(true);
  // The runbook's fix: a required node affinity on the host role label.
  const excluded = { tolerations: [{ operator: 'Exists' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/proxmox-host', operator: 'DoesNotExist' }] }] } } } };
  expect(wouldRunOn(ds('kube-ovn-cni', excluded) as never, HOST_LABELS, [TAINT])).toBe(false);
  expect(wouldRunOn(ds('linux-only', { tolerations: [{ operator: 'Exists' }], nodeSelector: { 'kubernetes.io/os': 'windows' } }) as never, HOST_LABELS, [TAINT])).toBe(false);
});

test('the kind of agent, from its namespace, name and images', () => {
  expect(agentKind(ds('cilium', {}) as never)).toBe('network');
  expect(agentKind(ds('kube-ovn-cni', {}) as never)).toBe('network');
  expect(agentKind(ds('linstor-satellite', {}) as never)).toBe('storage');
  expect(agentKind(ds('virt-handler', {}, 'quay.io/kubevirt/virt-handler:v1.5.0') as never)).toBe('virtualisation');
  expect(agentKind(ds('node-exporter', {}) as never)).toBe('other');
});
