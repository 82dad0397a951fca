// The integration config: one YAML file, validated in full before anything starts. The parsed value travels in the
// workflow input, so it holds no secret values: only references (see secret-ref.ts).
import { z } from 'zod';
import { secretRefSchema } from './secret-ref';
import { PHASE_IDS, TEST_STEP_GROUPS } from '../catalogue/phases';
import { DURATION_PATTERN } from './duration';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Names that reach a shell on the Proxmox host or a helm command line are kept to a plain character set, so no
// metacharacter can ever be interpreted there.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const durationSchema = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration such as 90s, 30m, 24h or 7d');

const VMID_RANGE = 'must be a VMID from 100 to 999999999';
const vmid = () => z.number().int('must be a whole number').min(100, VMID_RANGE).max(999_999_999, VMID_RANGE);

const httpUrl = z
  .string()
  .url('must be a URL such as https://pve.example.com:8006')
  .refine((u) => /^https?:\/\//.test(u), 'must use http:// or https://');

const safeName = (what: string) =>
  z.string().regex(SAFE_NAME, `${what} may hold only letters, digits, '.', '_' and '-' (at most 63, no leading symbol)`);

export const gatePolicySchema = z.enum(['manual', 'auto', 'auto-if-green']);
export type GatePolicy = z.infer<typeof gatePolicySchema>;

// A gate is a policy name, or { policy, timeout }; the short form is read as the long one so errors name the policy.
const gateSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { policy: v } : v),
  z.strictObject({ policy: gatePolicySchema, timeout: durationSchema.optional() }),
);

const gatesSchema = z
  .strictObject(Object.fromEntries(PHASE_IDS.map((p) => [p, gateSchema.optional()])) as Record<
    (typeof PHASE_IDS)[number],
    z.ZodOptional<typeof gateSchema>
  >)
  .default({});

export const skipTestStepsSchema = z
  .array(z.enum(TEST_STEP_GROUPS, { errorMap: () => ({ message: `is not a test step (one of ${TEST_STEP_GROUPS.join(', ')})` }) }))
  .default([])
  .refine((groups) => new Set(groups).size === groups.length, 'lists a test step twice');

/** A Proxmox API token: its ID and a reference to its secret. */
const apiTokenSchema = z.strictObject({
  id: z.string().regex(/^[^\s@!:]+@[A-Za-z0-9._-]+![A-Za-z][A-Za-z0-9._-]*$/, 'must be USER@REALM!TOKENID'),
  secret: secretRefSchema,
});

export const proxmoxSchema = z.strictObject({
  // Base URL of the API; a trailing /api2/json is accepted and reported, since a provider URL ending in it is a known
  // cause of "no VM is ever provisioned".
  url: httpUrl,
  node: safeName('proxmox.node'),
  username: z
    .string()
    .regex(/^[^\s@!:]+@[A-Za-z0-9._-]+$/, 'must be USER@REALM, e.g. root@pam')
    .optional(),
  password: secretRefSchema.optional(),
  token: apiTokenSchema.optional(),
  tls: z
    .strictObject({
      verify: z.boolean().default(true),
      caFile: z.string().min(1).optional(),
      fingerprint: z
        .string()
        .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'must be a SHA-256 fingerprint, 32 hex pairs joined by ":"')
        .optional(),
    })
    .default({ verify: true }),
  // The name of this Proxmox cluster in the cloud config of the CSI driver (and the Proxmox CCM): nodes carry it as
  // topology.kubernetes.io/region and in their providerID proxmox://<region>/<vmid>. VMIDs are unique within one
  // cluster only, so a node of another region is never taken for a VM of this one.
  region: safeName('proxmox.region').default('pve'),
  storage: safeName('proxmox.storage').default('local-lvm'),
  bridge: z.string().regex(/^vmbr\d{1,4}$/, 'must be a Linux bridge name such as vmbr0').default('vmbr0'),
  // Proxmox VMIDs are 100..999999999.
  templateId: vmid(),
  createBridge: z
    .strictObject({
      name: z.string().regex(/^vmbr\d{1,4}$/, 'must be a Linux bridge name such as vmbr1'),
      cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.10.0.1/24').optional(),
      ports: z.string().regex(/^[A-Za-z0-9.\s_-]*$/, 'must list interface names').optional(),
    })
    .optional(),
  thresholds: z
    .strictObject({
      minVersion: z.string().regex(/^\d+\.\d+$/, 'must be MAJOR.MINOR').default('7.0'),
      certificateExpiryDays: z.number().int().min(0).default(30),
      apiLatencyMs: z.number().positive().default(500),
      minFreeMemoryGiB: z.number().min(0).default(4),
      minFreeStorageGiB: z.number().min(0).default(20),
      minCpuCores: z.number().int().min(1).default(2),
    })
    .default({}),
});

export const kubernetesSchema = z.strictObject({
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  testNamespace: z.string().regex(DNS_LABEL, 'must be a DNS label (lowercase letters, digits, -)').default('cozy-proxmox-test'),
  csiStorageClass: z.string().regex(DNS_LABEL, 'must be a DNS label').default('proxmox-data'),
  minVersion: z.string().regex(/^\d+\.\d+$/, 'must be MAJOR.MINOR').default('1.26'),
  // Commands in pods through the API server (as `kubectl exec`): the NetworkPolicy traffic probes and the workload's
  // write/read proof run that way. false where the API server cannot reach the nodes' kubelets (or policy forbids
  // exec): those checks are then reported as not verified, never as passed.
  podExec: z.boolean().default(true),
});

export const sshSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: safeName('ssh.user').default('root'),
  privateKey: secretRefSchema,
  // The host key is pinned: an unknown key stops the step and shows the fingerprint.
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be an OpenSSH SHA256:... fingerprint'),
  // Kubernetes node name the host joins as; default the Proxmox node name in lower case.
  nodeName: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a DNS subdomain (lowercase letters, digits, - and .)').optional(),
  // The host's container runtime socket (kubeadm nodeRegistration.criSocket).
  criSocket: z.string().regex(/^unix:\/\/\/[A-Za-z0-9._/-]+$/, 'must be unix:///path/to/socket').optional(),
  // HOST:PORT the host reaches the API server at, when it differs from cluster-info / the kubeconfig.
  apiServerEndpoint: z.string().regex(/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}$/, 'must be HOST:PORT').optional(),
  // Where kubeadm keeps the host's kubelet.conf and pki/ (default /etc/kubernetes): the preflight reads them to tell
  // whether the host is already joined, and to which cluster.
  kubernetesDir: z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits and ._/-').optional(),
  // The kubelet's directory on the host (default /var/lib/kubelet): where a join without kubeadm (a Talos cluster)
  // writes config.yaml and kubeadm-flags.env, as kubeadm would.
  kubeletDir: z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits and ._/-').optional(),
});

const ipv4Address = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'must be an IPv4 address');
// The VMs step 3 provisions through Cluster API (ProxmoxMachineTemplate and ProxmoxCluster settings).
export const vmsSchema = z.strictObject({
  cores: z.number().int().min(1).max(128).default(4),
  sockets: z.number().int().min(1).max(4).default(1),
  memoryMiB: z.number().int().min(512).multipleOf(8, 'must be a multiple of 8').default(4096),
  // Must be at least the template's boot disk (the sandbox template has 32 GiB): Proxmox cannot shrink a disk.
  diskGiB: z.number().int().min(5).default(40),
  bootDisk: z.string().regex(/^(scsi|virtio|sata|ide)\d{1,2}$/, 'must be a disk slot such as scsi0').default('scsi0'),
  ipv4: z
    .strictObject({
      addresses: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}(-\d{1,3}(\.\d{1,3}){3}|\/\d{1,2})?$/, 'must be an address, a range a-b or a CIDR')).min(1),
      prefix: z.number().int().min(1).max(32),
      gateway: ipv4Address,
    })
    .default({ addresses: ['10.10.0.10-10.10.0.100'], prefix: 24, gateway: '10.10.0.1' }),
  dnsServers: z.array(ipv4Address).min(1).default(['10.10.0.1']),
  controlPlaneEndpoint: z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(6443) }).default({ host: '10.10.0.2', port: 6443 }),
  provisionTimeoutSeconds: z.number().int().min(30).max(3600).default(600),
  // The VMIDs CAPMOX may give the test machines (the machine template's vmIDRange). Unset, CAPMOX takes Proxmox's
  // next free VMID, which another cluster cloning or deleting at the same moment can be given too: CAPMOX deletes a
  // VM by its VMID, so a cluster whose machine is being deleted can remove another cluster's new VM. Give each
  // cluster that Cluster API manages on this Proxmox a range of its own.
  vmIdRange: z
    .strictObject({ start: vmid(), end: vmid() })
    .refine((r) => r.end >= r.start, { message: 'end must be at least start', path: ['end'] })
    .optional(),
});

export const monitoringSchema = z.strictObject({
  prometheus: httpUrl.optional(),
  // The scraper's own API (/api/v1/targets) where it is not the query API: a VictoriaMetrics cluster's vmagent, whose
  // targets vmselect does not list. Unset: monitoring.prometheus serves both (Prometheus, single-node VictoriaMetrics).
  scraper: httpUrl.optional(),
  grafana: httpUrl.optional(),
  // The logging stack's query API, VictoriaLogs (single-node, or a cluster's vlselect): CozyStack's is
  // http://vlselect-generic.tenant-root.svc:9471. Unset: step7.logs looks for it in monitoring.namespace.
  logs: httpUrl.optional(),
  grafanaToken: secretRefSchema.optional(),
  // Where monitoring.chart puts the dashboards and the exporter: the namespace of the Grafana instance and of the
  // monitoring stack (CozyStack's root tenant).
  namespace: z.string().regex(DNS_LABEL, 'must be a DNS label (lowercase letters, digits, -)').default('tenant-root'),
  // The API token prometheus-pve-exporter logs in with: give its user only PVEAuditor on /. Without it
  // monitoring.chart provisions the dashboards and no exporter.
  exporterToken: apiTokenSchema.optional(),
});

export const integrationConfigSchema = z
  .strictObject({
    apiVersion: z.literal('cozy-proxmox/v1'),
    kind: z.literal('Integration'),
    cluster: z.strictObject({ name: z.string().regex(DNS_LABEL, 'must be a DNS label (lowercase letters, digits, -)') }),
    proxmox: proxmoxSchema,
    kubernetes: kubernetesSchema.default({}),
    ssh: sshSchema.optional(),
    vms: vmsSchema.default({}),
    monitoring: monitoringSchema.default({}),
    gates: gatesSchema,
    approvers: z.array(z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be a user name')).default([]),
    keepTestResources: z.boolean().default(false),
    // Test steps this run leaves out (e.g. step3-vm-management where tenant VMs are proven elsewhere): their steps are
    // not in the plan, and the report says so for each (not-planned), so the success criteria are not met.
    skipTestSteps: skipTestStepsSchema,
    // A blocking step that failed for good: `wait` for the operator to retry, skip or abort it (\`cozy-proxmox
    // resolve\`), or `abort` the run at once, its compensations run. `--auto-approve` sets abort: nobody is there to
    // decide, and a run must not wait forever.
    onStepFailure: z.enum(['wait', 'abort']).default('wait'),
    // What stands in for the Proxmox installation and the cluster when they are simulated ("embedded sandbox", as
    // `sandbox up` writes it): the reports name it and mark every step (simulated). A label only: no step reads it.
    simulatedTarget: z.string().min(1).max(80).optional(),
  })
  .superRefine((cfg, ctx) => {
    if (!cfg.proxmox.token && !(cfg.proxmox.username && cfg.proxmox.password)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['proxmox'],
        message: 'needs credentials: token (id + secret) and/or username + password',
      });
    }
    if (cfg.proxmox.username && !cfg.proxmox.password) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['proxmox', 'password'], message: 'is required with proxmox.username' });
    }
    if (cfg.proxmox.tls.caFile && cfg.proxmox.tls.fingerprint) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['proxmox', 'tls'],
        message: 'set caFile or fingerprint, not both',
      });
    }
  });

export type IntegrationConfigInput = z.input<typeof integrationConfigSchema>;
export type IntegrationConfig = z.output<typeof integrationConfigSchema>;
export type ProxmoxConfig = IntegrationConfig['proxmox'];
export type KubernetesConfig = IntegrationConfig['kubernetes'];
