// Which DaemonSets would put a pod on the joined Proxmox host: those whose node selector and required node affinity
// match its labels and whose tolerations cover its NoSchedule/NoExecute taints (the DaemonSet controller schedules
// by exactly these). A taint keeps ordinary pods away, but CNI agents and many storage and virtualisation agents
// tolerate every taint, so each one found is named with what it is and what to do about it
// (runbooks/troubleshooting.md#step4node-ready).
import type { KubeClient } from '../../kubernetes/client';
import type { KubeObject } from '../../kubernetes/types';
import type { Taint } from './settings';

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

type DaemonSetObject = KubeObject & {
  spec?: {
    template?: {
      spec?: {
        nodeSelector?: Record<string, string>;
        tolerations?: Toleration[];
        affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: Requirement[] }[] } } };
        containers?: { image?: string }[];
      };
    };
  };
};

export type AgentKind = 'network' | 'storage' | 'virtualisation' | 'other';

export interface LandingDaemonSet {
  name: string;
  kind: AgentKind;
  advice: string;
}

const KINDS: [AgentKind, RegExp][] = [
  ['network', /cilium|kube-ovn|ovs|ovn|calico|flannel|multus|kube-proxy|cni/i],
  ['storage', /linstor|piraeus|drbd|csi|ceph|longhorn|seaweed/i],
  ['virtualisation', /kubevirt|virt-handler|virt-launcher|cdi|kubemacpool/i],
];

const ADVICE: Record<AgentKind, string> = {
  network:
    'a CNI agent: it configures the host network (bridges, OVS, routes) beside Proxmox\'s own vmbr bridges; keep it off with a nodeAffinity `node-role.kubernetes.io/proxmox-host DoesNotExist` unless pods on the host need the pod network',
  storage: 'a storage agent: it would claim or serve the host\'s disks beside Proxmox\'s storage; keep it off with a nodeAffinity on the host role label',
  virtualisation: 'a virtualisation agent: Proxmox is this host\'s hypervisor; keep it off with a nodeAffinity on the host role label',
  other: 'tolerates the host\'s taints: check that it belongs on the hypervisor',
};

export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

function requirementHolds(labels: Record<string, string>, r: Requirement): boolean {
  const has = r.key in labels;
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(labels[r.key]);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(labels[r.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

export function wouldRunOn(ds: DaemonSetObject, labels: Record<string, string>, taints: Taint[]): boolean {
  const pod = ds.spec?.template?.spec ?? {};
  if (!Object.entries(pod.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0 && !terms.some((t) => (t.matchExpressions ?? []).every((r) => requirementHolds(labels, r)))) return false;
  return taints.filter((t) => t.effect !== 'PreferNoSchedule').every((t) => tolerates(pod.tolerations ?? [], t));
}

export function agentKind(ds: DaemonSetObject): AgentKind {
  const text = [ds.metadata.namespace, ds.metadata.name, ...(ds.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '')].join(' ');
  return KINDS.find(([, re]) => re.test(text))?.[0] ?? 'other';
}

export async function daemonSetsLandingOn(client: KubeClient, labels: Record<string, string>, taints: Taint[]): Promise<LandingDaemonSet[]> {
  const all = await client.list<DaemonSetObject>('apps/v1', 'DaemonSet');
  return all
    .filter((ds) => wouldRunOn(ds, labels, taints))
    .map((ds) => {
      const kind = agentKind(ds);
      return { name: `${ds.metadata.namespace}/${ds.metadata.name}`, kind, advice: ADVICE[kind] };
    });
}
