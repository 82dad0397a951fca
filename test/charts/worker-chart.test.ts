// charts/cozy-proxmox-worker rendered and linted by the real helm: the Deployment's probes, grace period, security
// and settings; the RBAC's shape; and its agreement with docker-compose.yml's worker (same environment names, ports,
// grace, user). The RBAC itself is proven by running the steps as the chart's ServiceAccount: the sandbox's worker
// does (packages/sandbox/src/kubernetes/worker-identity.ts), and worker-rbac.test.ts names a missing permission.
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { HelmClient } from '../../src/helm/client';
import { packageRoot } from '../../src/package-root';
import { loadCompose } from '../deploy/compose-file';
import { TLS_ENV } from '../../src/temporal-tls';

const CHART = join(packageRoot(), 'charts', 'cozy-proxmox-worker');
const helm = new HelmClient();

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}
interface Container {
  args: string[];
  envFrom: { configMapRef: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  resources: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

async function render(values: Record<string, unknown> = {}, namespace = 'cozy-proxmox'): Promise<Obj[]> {
  const text = await helm.template({ release: 'cozy-proxmox-worker', chart: CHART, namespace, values });
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter(Boolean);
}
const all = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
function one(objs: Obj[], kind: string, name?: string): Obj {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`${found.length} ${kind} ${name ?? ''} among ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0];
}
const podSpec = (objs: Obj[]) => (one(objs, 'Deployment') as unknown as { spec: { template: { spec: Record<string, unknown> & { containers: Container[] } } } }).spec.template.spec;
const configData = (objs: Obj[]) => (one(objs, 'ConfigMap') as unknown as { data: Record<string, string> }).data;
const rulesOf = (obj: Obj) => (obj as unknown as { rules: Rule[] }).rules;
const allows = (rules: Rule[], group: string, resource: string, verb: string, name?: string) =>
  rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb) && (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))));

describe('cozy-proxmox-worker chart', () => {
  test('lints with its defaults; the schema refuses a bad duration, address or namespace naming the field', async () => {
    expect((await helm.lint(CHART)).ok).toBe(true);
    for (const [values, field] of [
      [{ worker: { shutdownGraceTime: 'soon' } }, 'worker/shutdownGraceTime'],
      [{ temporal: { address: 'https://temporal' } }, 'temporal/address'],
      [{ rbac: { testNamespace: 'Not_A_Label' } }, 'rbac/testNamespace'],
    ] as const) {
      const result = await helm.lint(CHART, values);
      expect(result.ok).toBe(false);
      expect(result.messages.join('\n')).toContain(field);
    }
  });

  test('the Deployment: probes on the health endpoint, a grace period longer than the drain, locked down, settings from the ConfigMap', async () => {
    const objs = await render();
    const pod = podSpec(objs);
    const [c] = pod.containers;
    expect(c.args).toEqual(['worker', '--max-concurrent-activities', '20']);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(c.ports).toEqual([{ name: 'health', containerPort: 9465 }, { name: 'metrics', containerPort: 9464 }]);
    // 60 s of drain (the worker's default) and 30 s for the process to exit.
    expect(pod.terminationGracePeriodSeconds).toBe(90);
    expect(pod.serviceAccountName).toBe('cozy-proxmox-worker');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(c.volumeMounts.map((m) => m.mountPath).sort()).toEqual(['/etc/cozy-proxmox/policy', '/home/node', '/tmp']);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'cozy-proxmox-worker' } }]);
    expect(configData(objs)).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc:7233',
      COZY_PROXMOX_HEALTH_ADDRESS: '0.0.0.0:9465',
      COZY_PROXMOX_METRICS_ADDRESS: '0.0.0.0:9464',
      COZY_PROXMOX_WORKER_POLICY: '/etc/cozy-proxmox/policy/policy.yaml',
    });
    expect(one(objs, 'PodDisruptionBudget')).toMatchObject({ spec: { maxUnavailable: 1 } });
    expect(one(objs, 'Service')).toMatchObject({ spec: { ports: [{ name: 'metrics', port: 9464, targetPort: 'metrics' }] } });
  });

  test('the grace period follows the drain time in any unit; a codec key and the policy reach the pod', async () => {
    const approver = { name: 'alice', key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice' };
    const objs = await render({ worker: { shutdownGraceTime: '5m' }, codec: { existingSecret: 'cozy-codec' }, policy: { approvers: [approver] } });
    expect(podSpec(objs).terminationGracePeriodSeconds).toBe(330);
    expect(configData(objs).COZY_PROXMOX_CODEC_KEY_FILE).toBe('/etc/cozy-proxmox/codec/key');
    expect(parse(configData(objs)['policy.yaml'])).toEqual({ approvers: [approver] });
    expect((podSpec(objs).volumes as { name: string; secret?: { secretName: string } }[]).find((v) => v.name === 'codec')).toEqual({ name: 'codec', secret: { secretName: 'cozy-codec' } });
    expect(podSpec(await render({ worker: { shutdownGraceTime: '1500ms' } })).terminationGracePeriodSeconds).toBe(32);
    // A new config rolls the pods.
    const before = (one(await render(), 'Deployment') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations['checksum/config'];
    const after = (one(objs, 'Deployment') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations['checksum/config'];
    expect(after).not.toBe(before);
  });

  test('RBAC: cluster-wide reads, release and test namespaces bound by RoleBindings, secrets by name only', async () => {
    const objs = await render({ secretReads: [{ namespace: 'cozy-secrets', name: 'proxmox-token' }] });
    const cluster = rulesOf(one(objs, 'ClusterRole', 'cozy-proxmox-worker'));
    expect(allows(cluster, '', 'nodes', 'patch')).toBe(true);
    expect(allows(cluster, '', 'secrets', 'get')).toBe(false); // no Secret anywhere by the cluster role
    expect(allows(cluster, 'rbac.authorization.k8s.io', 'clusterroles', 'bind', 'system:node-bootstrapper')).toBe(true);
    expect(allows(cluster, 'rbac.authorization.k8s.io', 'clusterroles', 'bind', 'cluster-admin')).toBe(false);
    expect(allows(cluster, 'rbac.authorization.k8s.io', 'clusterroles', 'escalate')).toBe(false);
    expect(cluster.some((r) => r.verbs.includes('*') || r.resources.includes('*') || r.apiGroups.includes('*'))).toBe(false);
    const bindings = all(objs, 'RoleBinding').map((b) => `${b.metadata.namespace}/${(b as unknown as { roleRef: { name: string } }).roleRef.name}`).sort();
    expect(bindings).toEqual([
      'cozy-cluster-api/cozy-proxmox-worker-releases',
      'cozy-proxmox-csi/cozy-proxmox-worker-csi',
      'cozy-proxmox-csi/cozy-proxmox-worker-releases',
      'cozy-proxmox-test-tenant-b/cozy-proxmox-worker-tests',
      'cozy-proxmox-test/cozy-proxmox-worker-tests',
      'cozy-proxmox/cozy-proxmox-worker-releases',
      'cozy-secrets/cozy-proxmox-worker-read-proxmox-token',
      'kube-public/cozy-proxmox-worker-cluster-info',
      'kube-system/cozy-proxmox-worker-join',
      'tenant-root/cozy-proxmox-worker-monitoring',
    ]);
    // In the monitoring namespace (CozyStack's tenant-root, full of other Secrets): only the exporter's login.
    const monitoring = rulesOf(one(objs, 'ClusterRole', 'cozy-proxmox-worker-monitoring'));
    expect(allows(monitoring, '', 'secrets', 'get', 'cozy-proxmox-monitoring-pve-exporter')).toBe(true);
    expect(allows(monitoring, '', 'secrets', 'get', 'tenant-root-admin')).toBe(false);
    expect(allows(monitoring, '', 'secrets', 'list')).toBe(false);
    expect(rulesOf(one(objs, 'Role', 'cozy-proxmox-worker-read-proxmox-token'))).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['proxmox-token'], verbs: ['get'] }]);
    // The namespaces the bindings live in outlive runs and the chart; the release's own and CozyStack's are not made.
    expect(all(objs, 'Namespace').map((n) => [n.metadata.name, n.metadata.annotations?.['helm.sh/resource-policy']])).toEqual([
      ['cozy-proxmox-csi', 'keep'],
      ['cozy-proxmox-test', 'keep'],
      ['cozy-proxmox-test-tenant-b', 'keep'],
    ]);
    const long = await render({ rbac: { testNamespace: `${'t'.repeat(53)}-xyz` } });
    expect(all(long, 'Namespace').map((n) => n.metadata.name)).toContain(`${'t'.repeat(53)}-tenant-b`);
  });

  test('agrees with the compose worker: environment names, ports, drain time, grace period, user', async () => {
    const data = configData(await render());
    const compose = loadCompose({}).services.worker as { environment: Record<string, string>; stop_grace_period: string };
    // Every setting on: the codec key and mTLS to Temporal add their variables.
    const full = configData(await render({ codec: { existingSecret: 'codec' }, temporal: { tls: { existingSecret: 'temporal-tls', serverName: 'temporal.example' } } }));
    const chartEnv = Object.keys(full).filter((k) => /^[A-Z_]+$/.test(k));
    // KUBECONFIG: compose mounts a kubeconfig; in a pod the ServiceAccount's in-cluster credentials take its place.
    expect(Object.keys(compose.environment).filter((k) => k !== 'KUBECONFIG').sort()).toEqual(chartEnv.sort());
    // The names the worker reads (src/temporal-tls.ts), as the Temporal CLI names them.
    expect(chartEnv).toEqual(expect.arrayContaining(Object.values(TLS_ENV).filter((k) => k !== TLS_ENV.enabled)));
    expect(compose.environment.COZY_PROXMOX_SHUTDOWN_GRACE_TIME).toBe(data.COZY_PROXMOX_SHUTDOWN_GRACE_TIME);
    expect(compose.environment.COZY_PROXMOX_LOG_LEVEL).toBe(data.COZY_PROXMOX_LOG_LEVEL);
    expect(compose.environment.TEMPORAL_TASK_QUEUE).toBe(data.TEMPORAL_TASK_QUEUE);
    expect(compose.environment.COZY_PROXMOX_METRICS_ADDRESS).toBe(data.COZY_PROXMOX_METRICS_ADDRESS);
    expect(compose.environment.COZY_PROXMOX_HEALTH_ADDRESS.split(':')[1]).toBe(data.COZY_PROXMOX_HEALTH_ADDRESS.split(':')[1]);
    expect(compose.stop_grace_period).toBe(`${podSpec(await render()).terminationGracePeriodSeconds}s`);
  });
});
