// step6.cilium-policies: tenant isolation as CozyStack makes it, with Cilium's own policy kind.
//
// 1. Cilium's policy API must be served (cilium.io/v2 CiliumNetworkPolicy); without it the cluster runs no Cilium,
//    and the step says so as not verified.
// 2. CozyStack's tenants: every `tenant-*` namespace should carry the tenant chart's CiliumNetworkPolicy
//    `allow-internal-communication`; the ones without it are named (a warning: that tenant is not isolated).
// 3. On the probe pods of step6.policies (made here when absent), with pod exec (kubernetes.podExec):
//    - the plain NetworkPolicies of step6.policies go first: Cilium unites every policy selecting an endpoint, so
//      they would let through what these must block;
//    - CozyStack's isolation (ingress from the same namespace only): the own client passes, the other tenant's not;
//    - then, instead, the L4/L7 policy on the server: `GET /hostname` answers 200, `GET /echo` 403 from Cilium's
//      proxy, and the other tenant's client still cannot connect.
//    Without pod exec both policies are applied and read back (the upstream CRD's schema has validated them), and
//    enforcement is reported not verified: the step never claims what it could not prove.
// Both policies go in the compensation (networkDeleteCiliumPolicies); the pods go with step6.policies' own.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { defineStep } from '../../catalogue/define-step';
import { WAIT_RETRY } from '../../catalogue/retry-policies';
import type { KubeClient } from '../../kubernetes/client';
import { kindServed } from '../../kubernetes/served';
import type { KubeObject } from '../../kubernetes/types';
import { checkFailed } from '../common/failures';
import { heartbeat, runKubernetesStep } from '../kubernetes/step-context';
import { CILIUM_API, CILIUM_POLICY_KIND, ciliumPolicyRef, ciliumServerPolicy, ciliumTenantPolicy, L7_ALLOWED_PATH, L7_REFUSED_PATH } from './cilium-manifests';
import { networkDeleteCiliumPolicies } from './cleanup';
import { policyRef } from './manifests';
import { netpolNames, SERVER_PORT, type NetpolNames } from './names';
import { contains, NOT_VERIFIED } from './policies';
import { ENFORCEMENT_WINDOW_MS, expectHttpStatus, expectTraffic, type ProbeTarget } from './probes';
import { preparePods } from './test-pods';

/** The name of the CiliumNetworkPolicy CozyStack's tenant chart isolates each tenant namespace with. */
export const COZYSTACK_TENANT_POLICY = 'allow-internal-communication';
export const CILIUM_NOT_SERVED = `the cluster does not serve ${CILIUM_API} ${CILIUM_POLICY_KIND}: it runs no Cilium, and CozyStack isolates tenants with Cilium policies`;

/** CozyStack's tenant namespaces, and those of them without the tenant chart's isolation policy. */
async function tenantIsolation(kube: KubeClient): Promise<{ tenants: string[]; open: string[] }> {
  const tenants = (await kube.list('v1', 'Namespace')).map((ns) => ns.metadata.name).filter((name) => name.startsWith('tenant-'));
  const isolated = new Set(
    (await kube.list(CILIUM_API, CILIUM_POLICY_KIND, undefined, undefined, `metadata.name=${COZYSTACK_TENANT_POLICY}`)).map((p) => p.metadata.namespace),
  );
  return { tenants, open: tenants.filter((t) => !isolated.has(t)) };
}

/** Applies a policy and checks the cluster kept its spec as written (the CRD's schema prunes what it does not know). */
async function applyAndReadBack(kube: KubeClient, policy: KubeObject): Promise<string> {
  const { name, namespace = '' } = policy.metadata;
  await kube.apply(policy);
  const stored = await kube.find<KubeObject & { spec?: unknown }>(ciliumPolicyRef(name, namespace));
  if (!stored) throw checkFailed(`${CILIUM_POLICY_KIND} ${namespace}/${name} was applied but cannot be read back`);
  if (!contains(stored.spec, (policy as KubeObject & { spec: unknown }).spec)) {
    throw checkFailed(`${CILIUM_POLICY_KIND} ${namespace}/${name} reads back as ${JSON.stringify(stored.spec)}, not as applied: the CRD's schema or a webhook changed it`);
  }
  return `${CILIUM_POLICY_KIND} ${namespace}/${name} applied and read back: ${JSON.stringify(stored.spec)}`;
}

interface Probe {
  what: string;
  run: () => Promise<{ held: boolean; ms: number; attempts: number; seen: string }>;
  expected: string;
}

async function runProbes(probes: Probe[], details: string[], metrics: Record<string, number>): Promise<void> {
  for (const p of probes) {
    heartbeat({ probe: p.what, expected: p.expected });
    const r = await p.run();
    details.push(`probe ${p.what}: ${r.seen} after ${r.attempts} attempt(s), ${r.ms} ms`);
    if (!r.held) {
      throw checkFailed(
        `${p.what}: expected ${p.expected} but saw ${r.seen} for ${Math.round(ENFORCEMENT_WINDOW_MS / 1000)} s; check that the Cilium agent runs on the server's node, that policy enforcement is on (cilium config policy-enforcement) and, for the HTTP rule, that the agent's L7 proxy is enabled (l7Proxy)`,
        details,
      );
    }
    metrics.probesEnforced = (metrics.probesEnforced ?? 0) + 1;
  }
}

async function probeEnforcement(kube: KubeClient, n: NetpolNames, serverIp: string, details: string[], metrics: Record<string, number>): Promise<void> {
  const client: ProbeTarget = { namespace: n.namespace, pod: n.client };
  const other: ProbeTarget = { namespace: n.tenantNamespace, pod: n.tenantClient };
  const traffic = (from: ProbeTarget, expected: 'allowed' | 'blocked', what: string): Probe => ({
    what,
    expected,
    run: async () => {
      const r = await expectTraffic(kube, from, serverIp, expected, what);
      return { ...r, seen: r.last.connected ? 'connected' : `blocked (${r.last.said || 'no answer'})` };
    },
  });
  const http = (path: string, expected: number, what: string): Probe => ({
    what,
    expected: `HTTP ${expected}`,
    run: async () => {
      const r = await expectHttpStatus(kube, client, `http://${serverIp}:${SERVER_PORT}${path}`, expected, what);
      return { ...r, seen: r.last === 0 ? 'no answer' : `HTTP ${r.last}` };
    },
  });
  for (const name of [n.denyAll, n.allowClient, n.tenantIsolation]) await kube.delete(policyRef(name, n.namespace));
  details.push(`the NetworkPolicies of step6.policies removed from ${n.namespace}: Cilium would unite them with the policies under test`);

  details.push(await applyAndReadBack(kube, ciliumTenantPolicy(n)));
  await runProbes([traffic(client, 'allowed', 'tenant isolation (same namespace)'), traffic(other, 'blocked', 'tenant isolation (other tenant)')], details, metrics);

  await kube.delete(ciliumPolicyRef(n.ciliumTenant, n.namespace));
  details.push(await applyAndReadBack(kube, ciliumServerPolicy(n)));
  await runProbes(
    [
      http(L7_ALLOWED_PATH, 200, `L7 rule: GET ${L7_ALLOWED_PATH}`),
      http(L7_REFUSED_PATH, 403, `L7 rule: GET ${L7_REFUSED_PATH.split('?')[0]} refused by the proxy`),
      traffic(other, 'blocked', 'L4 rule (other tenant)'),
    ],
    details,
    metrics,
  );
}

export function networkCiliumPolicies(input: StepInput): Promise<StepOutcome> {
  const n = netpolNames(input.config);
  return runKubernetesStep(input, `test CiliumNetworkPolicies in ${n.namespace}`, async (kube) => {
    if (!(await kindServed(kube, CILIUM_API, CILIUM_POLICY_KIND, n.namespace))) {
      return { status: 'warning', message: `Cilium policies not verified: ${CILIUM_NOT_SERVED}`, notVerified: `Cilium policies: ${CILIUM_NOT_SERVED}`, outputs: { ciliumServed: false } };
    }
    const { tenants, open } = await tenantIsolation(kube);
    const details = [
      tenants.length === 0
        ? 'no CozyStack tenant namespace (tenant-*) found'
        : `CozyStack tenants: ${tenants.length}, isolated by ${CILIUM_POLICY_KIND} ${COZYSTACK_TENANT_POLICY}: ${tenants.length - open.length}${open.length ? `; not isolated: ${open.join(', ')}` : ''}`,
    ];
    const openNote = open.length ? `; tenants without CozyStack's isolation policy ${COZYSTACK_TENANT_POLICY}: ${open.join(', ')}` : '';
    const metrics: Record<string, number> = { tenants: tenants.length, tenantsNotIsolated: open.length, policiesApplied: 2, probesEnforced: 0 };
    const serverIp = await preparePods(kube, n, input.workflowId);
    const outputs = { ciliumServed: true, tenantsNotIsolated: open.length, policies: 2 };

    if (!input.config.kubernetes.podExec) {
      for (const policy of [ciliumTenantPolicy(n), ciliumServerPolicy(n)]) details.push(await applyAndReadBack(kube, policy));
      return {
        status: 'warning',
        message: `2 CiliumNetworkPolicies (CozyStack's tenant isolation, an L4/L7 rule) applied and read back in ${n.namespace}; enforcement not verified: ${NOT_VERIFIED}${openNote}`,
        notVerified: `CiliumNetworkPolicy enforcement: ${NOT_VERIFIED}`,
        details,
        metrics,
        outputs: { ...outputs, enforcementProven: false },
      };
    }
    await probeEnforcement(kube, n, serverIp, details, metrics);
    return {
      status: open.length ? 'warning' : 'passed',
      message: `CiliumNetworkPolicies enforced: CozyStack's tenant isolation keeps ${n.tenantNamespace} out of ${n.namespace}, and the L7 rule lets GET ${L7_ALLOWED_PATH} through and refuses the rest (${metrics.probesEnforced} probes)${openNote}`,
      details,
      metrics,
      outputs: { ...outputs, enforcementProven: true },
    };
  });
}

export const networkCiliumPoliciesStep = defineStep({
  id: 'step6.cilium-policies',
  phase: 'monitoring-security',
  group: 'step6-network-policies',
  title: 'Tenants isolated as CozyStack does it (CiliumNetworkPolicy), an L4/L7 Cilium rule enforced',
  dependsOn: ['step6.policies'],
  blocking: true,
  // The pods exist already (step6.policies); 5 probes of up to 20 s each.
  startToCloseSeconds: 420,
  retry: WAIT_RETRY,
  component: 'Network policies (Cilium, Kube-OVN)',
  run: networkCiliumPolicies,
  undo: { when: 'always', startToCloseSeconds: 120, run: networkDeleteCiliumPolicies },
});
