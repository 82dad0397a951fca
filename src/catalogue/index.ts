// The step catalogue: every step the product runs, in the order reports and plans list them, and the plan of one run
// chosen from it by the config. Each step is one module (src/activities/<system>/<step>.ts, made with defineStep);
// this list is the only place that names them all.
import type { IntegrationConfig } from '../config/schema';
import type { Step } from './define-step';
import type { StepDefinition } from './types';
import { proxmoxVersionStep } from '../activities/proxmox/version';
import { proxmoxResourcesStep } from '../activities/proxmox/resources';
import { proxmoxBridgesStep } from '../activities/proxmox/bridges';
import { proxmoxTlsCertificateStep } from '../activities/proxmox/tls-certificate';
import { proxmoxApiUrlStep } from '../activities/proxmox/api-url';
import { proxmoxTemplateStep } from '../activities/proxmox/template';
import { proxmoxStorageStep } from '../activities/proxmox/storage';
import { kubernetesVersionStep } from '../activities/kubernetes/version';
import { kubernetesCozystackStep } from '../activities/kubernetes/cozystack';
import { kubernetesCapiOperatorStep } from '../activities/kubernetes/capi-operator';
import { kubernetesIpamStep } from '../activities/kubernetes/ipam';
import { kubernetesProxmoxCsiStep } from '../activities/kubernetes/proxmox-csi';
import { kubernetesApiLatencyStep } from '../activities/kubernetes/api-latency';
import { kubernetesTestNamespaceStep } from '../activities/kubernetes/test-namespace';
import { step1TicketAuthStep } from '../activities/proxmox/ticket-auth';
import { step1TokenAuthStep } from '../activities/proxmox/token-auth';
import { step1TokenPrivilegesStep } from '../activities/proxmox/token-privileges';
import { step1ApiLatencyStep } from '../activities/proxmox/api-latency';
import { step2CreateBridgeStep } from '../activities/proxmox/create-bridge';
import { step2BridgesStep } from '../activities/proxmox/step2-bridges';
import { step2StoragePoolsStep } from '../activities/proxmox/storage-pools';
import { capiProviderChartStep } from '../activities/charts/capi-provider';
import { capiProviderReadyStep } from '../activities/capi/provider-ready';
import { step3ClusterReadyStep } from '../activities/capi/cluster-ready';
import { step3VmProvisionedStep } from '../activities/capi/vm-provisioned';
import { step3VmScaleStep } from '../activities/capi/vm-scale';
import { step3VmDeleteStep } from '../activities/capi/vm-delete';
import { workerChartStep } from '../activities/charts/worker';
import { workerHostPreflightStep } from '../activities/worker-host/preflight';
import { workerHostJoinStep } from '../activities/worker-host/join';
import { workerHostNodeReadyStep } from '../activities/worker-host/node-ready';
import { csiChartStep } from '../activities/charts/csi';
import { csiStorageClassStep } from '../activities/csi/storage-class';
import { csiTopologyStep } from '../activities/csi/topology';
import { csiVolumeStep } from '../activities/csi/volume';
import { csiExpandStep } from '../activities/csi/expand';
import { csiSnapshotStep } from '../activities/csi/snapshot';
import { networkCniReadyStep } from '../activities/network/cni-ready';
import { networkPoliciesStep } from '../activities/network/policies';
import { networkCiliumPoliciesStep } from '../activities/network/cilium-policies';
import { monitoringChartStep } from '../activities/charts/monitoring';
import { monitoringPrometheusTargetsStep } from '../activities/monitoring/prometheus-targets';
import { monitoringPveMetricsStep } from '../activities/monitoring/pve-metrics';
import { monitoringLogsStep } from '../activities/monitoring/logs';
import { monitoringGrafanaDashboardsStep } from '../activities/monitoring/grafana-dashboards';
import { e2eWorkloadStep } from '../activities/e2e/workload';
import { e2eBenchmarkStep } from '../activities/e2e/benchmark';
import { e2eReliabilityStep } from '../activities/e2e/reliability';

/** Every step there is, with what it does and how it is undone. */
export const STEPS: readonly Step[] = [
  // Phase 1: what the run needs is there.
  proxmoxVersionStep,
  proxmoxResourcesStep,
  proxmoxBridgesStep,
  proxmoxTlsCertificateStep,
  proxmoxApiUrlStep,
  proxmoxTemplateStep,
  proxmoxStorageStep,
  kubernetesVersionStep,
  kubernetesCozystackStep,
  kubernetesCapiOperatorStep,
  kubernetesIpamStep,
  kubernetesProxmoxCsiStep,
  kubernetesApiLatencyStep,
  kubernetesTestNamespaceStep,
  // Phase 2: the Proxmox API, network and storage, the Cluster API provider and VMs through it.
  step1TicketAuthStep,
  step1TokenAuthStep,
  step1TokenPrivilegesStep,
  step1ApiLatencyStep,
  step2CreateBridgeStep,
  step2BridgesStep,
  step2StoragePoolsStep,
  capiProviderChartStep,
  capiProviderReadyStep,
  step3ClusterReadyStep,
  step3VmProvisionedStep,
  step3VmScaleStep,
  step3VmDeleteStep,
  // Phase 3: the Proxmox host as a worker, CSI storage.
  workerChartStep,
  workerHostPreflightStep,
  workerHostJoinStep,
  workerHostNodeReadyStep,
  csiChartStep,
  csiStorageClassStep,
  csiTopologyStep,
  csiVolumeStep,
  csiExpandStep,
  csiSnapshotStep,
  // Phase 4: network policies, monitoring, end to end.
  networkCniReadyStep,
  networkPoliciesStep,
  networkCiliumPoliciesStep,
  monitoringChartStep,
  monitoringPrometheusTargetsStep,
  monitoringPveMetricsStep,
  monitoringGrafanaDashboardsStep,
  monitoringLogsStep,
  e2eWorkloadStep,
  e2eBenchmarkStep,
  e2eReliabilityStep,
] as readonly Step[];

/** Every step's definition (for docs, the runbook check and `config validate --json`). */
export const CATALOGUE: StepDefinition[] = STEPS.map((s) => s.definition);

/** The steps of one run, in catalogue order; a dependency the plan leaves out does not hold a step back. */
export function buildPlan(config: IntegrationConfig): StepDefinition[] {
  const skipped = new Set<string>(config.skipTestSteps);
  const included = STEPS.filter((s) => (s.includedWhen?.(config) ?? true) && !(s.group && skipped.has(s.group)));
  const ids = new Set(included.map((s) => s.id));
  return included.map(({ definition }) => {
    if (!definition.dependsOn) return definition;
    const dependsOn = definition.dependsOn.filter((d) => ids.has(d));
    const { dependsOn: _all, ...rest } = definition;
    return dependsOn.length > 0 ? { ...rest, dependsOn } : rest;
  });
}

/** A step by its ID. */
export function stepById(id: string): Step | undefined {
  return STEPS.find((s) => s.id === id);
}
