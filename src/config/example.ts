// The config `cozy-proxmox config init` writes: every section, with what each field means.
export const EXAMPLE_CONFIG = `# cozy-proxmox integration config. Validate with: cozy-proxmox config validate FILE
apiVersion: cozy-proxmox/v1
kind: Integration
cluster:
  name: my-cluster                # used in the workflow id: integrate-cluster-my-cluster
proxmox:
  url: https://pve.example.com:8006   # no /api2/json suffix (a known cause of "no VM is ever provisioned")
  node: pve
  username: root@pam                  # ticket auth (step1); the password is a reference, never the value
  password: env:PROXMOX_PASSWORD      # env:NAME | file:PATH | k8s:NAMESPACE/NAME#KEY
  token:
    id: root@pam!cozy                 # API token used by the provider and CSI
    secret: file:/etc/cozy-proxmox/proxmox-token
  tls:
    verify: true
    # caFile: /etc/cozy-proxmox/pve-ca.pem
    # fingerprint: AB:CD:...          # SHA-256 of the server certificate, instead of a CA
  region: pve                         # this cluster's name in the CSI/CCM cloud config (topology.kubernetes.io/region)
  storage: local-lvm
  bridge: vmbr0
  templateId: 9000
  # createBridge: { name: vmbr1, cidr: 10.10.0.1/24 }
  thresholds:
    minVersion: "7.0"
    certificateExpiryDays: 30
    apiLatencyMs: 500
kubernetes:
  # kubeconfig: ~/.kube/config      # default: KUBECONFIG or ~/.kube/config
  testNamespace: cozy-proxmox-test
  csiStorageClass: proxmox-data
# vms:                              # the test machines step 3 provisions through Cluster API
#   cores: 4
#   memoryMiB: 4096
#   diskGiB: 40                     # at least the template's boot disk
#   ipv4: { addresses: [10.10.0.10-10.10.0.100], prefix: 24, gateway: 10.10.0.1 }
#   vmIdRange: { start: 5000, end: 5099 }  # VMIDs of this cluster's machines; default Proxmox's next free one
# ssh:                              # the Proxmox host joined as a worker (step4); without it step4 is skipped
#   host: pve.example.com
#   user: root                      # or a user with passwordless sudo
#   privateKey: file:/etc/cozy-proxmox/ssh-key
#   hostKeyFingerprint: SHA256:...  # ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, read at the host's console
#   # nodeName: pve                 # default: the Proxmox node name in lower case
#   # criSocket: unix:///var/run/containerd/containerd.sock
#   # kubernetesDir: /etc/kubernetes  # where kubeadm keeps kubelet.conf and pki/: an earlier join is found there
# monitoring:                       # step7 and monitoring.chart
#   prometheus: http://prometheus.monitoring.svc:9090  # serving /api/v1/query and /api/v1/targets
#   # A VictoriaMetrics cluster (CozyStack's) serves queries on vmselect and the targets on vmagent:
#   # prometheus: http://vmselect-shortterm.tenant-root.svc:8481/select/0/prometheus
#   # scraper: http://vmagent-vmagent.cozy-monitoring.svc:8429
#   # logs: http://vlselect-generic.tenant-root.svc:9471  # VictoriaLogs; default: looked for in monitoring.namespace
#   namespace: tenant-root          # where monitoring.chart puts the dashboards and the exporter
#   exporterToken:                  # prometheus-pve-exporter's login; without it no exporter is deployed
#     id: monitoring@pve!exporter   # its user holds only PVEAuditor on /
#     secret: k8s:cozy-proxmox/pve-exporter-token/secret
gates:                              # manual | auto | auto-if-green, optionally with a timeout
  preparation: auto
  basic-integration: manual
  advanced-integration: { policy: manual, timeout: 24h }
  monitoring-security: auto-if-green
approvers: [alice, bob]             # narrows who may decide: names of the worker policy's approvers (empty: all)
keepTestResources: false
skipTestSteps: []                   # test steps left out, e.g. [step3-vm-management]; the report marks them not-planned
onStepFailure: wait                 # a blocking step that failed for good: wait for \`resolve\`, or abort the run
`;
