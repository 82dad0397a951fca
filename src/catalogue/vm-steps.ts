// The Cluster API provider readiness step and the plan's step 3 (VM management), all in phase 2. Pure data (workflow
// code imports it): activity names are strings, checked against the activity module at compile time only.
import type { CapiActivities } from '../activities/capi';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';
import { undo } from './undo';

type ActivityName = keyof CapiActivities;

// Waits that the provider drives: a failed attempt (a Proxmox task failure, an apiserver blip) is worth a few more.
const VM_RETRY: StepRetry = { maximumAttempts: 3, initialIntervalSeconds: 10, backoffCoefficient: 2, maximumIntervalSeconds: 60 };

function step(def: Omit<StepDefinition, 'activity' | 'retry' | 'phase' | 'heartbeatSeconds' | 'blocking'> & { activity: ActivityName; blocking?: boolean }): StepDefinition {
  return { phase: 'basic-integration', retry: VM_RETRY, blocking: true, ...def };
}

const GROUP = 'step3-vm-management' as const;
const COMPONENT = 'Cluster API provider Proxmox';

export const VM_STEPS: StepDefinition[] = [
  step({
    id: 'capi.provider-ready',
    title: 'Cluster API provider Proxmox Ready (InfrastructureProvider, CRDs established)',
    activity: 'capiProviderReady',
    dependsOn: ['capi.provider-chart'],
    startToCloseSeconds: 180,
    component: COMPONENT,
  }),
  step({
    id: 'step3.cluster-ready',
    group: GROUP,
    title: 'ProxmoxCluster and Cluster Ready',
    activity: 'capiClusterReady',
    dependsOn: ['capi.provider-ready'],
    startToCloseSeconds: 180,
    // Removes everything the step-3 steps made and waits until their VMs are gone (kept with keepTestResources).
    // Two waits of up to 180 s (Machines, then Cluster) and one of 60 s (the VMs in Proxmox).
    compensation: undo('capiCleanupStep3', 'always', 480),
  }),
  step({
    id: 'step3.vm-provisioned',
    group: GROUP,
    title: 'A Machine gets a VM cloned from the template (cores, memory, disk, bridge), running',
    activity: 'capiVmProvisioned',
    dependsOn: ['step3.cluster-ready'],
    startToCloseSeconds: 900,
  }),
  step({
    id: 'step3.vm-scale',
    group: GROUP,
    title: 'Scaling the MachineDeployment to 2 and back to 1 adds and removes a VM',
    activity: 'capiVmScale',
    dependsOn: ['step3.vm-provisioned'],
    startToCloseSeconds: 1500,
  }),
  step({
    id: 'step3.vm-delete',
    group: GROUP,
    title: 'Deleting the MachineDeployment removes its Machines and VMs',
    activity: 'capiVmDelete',
    dependsOn: ['step3.vm-scale'],
    startToCloseSeconds: 360,
  }),
];

/** The VM steps of a run; every config runs all of them (they need the provider chart, which every run installs). */
export function vmSteps(_config: Pick<IntegrationConfig, 'proxmox' | 'kubernetes'>): StepDefinition[] {
  return [...VM_STEPS];
}
