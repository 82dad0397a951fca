// The Proxmox steps of phases 1 and 2. Pure data (workflow code imports it): activity names are strings, checked
// against the activity module at compile time only.
import type { ProxmoxActivities } from '../activities/proxmox';
import type { IntegrationConfig } from '../config/schema';
import type { StepDefinition, StepRetry } from './types';
import { undo } from './undo';

type ActivityName = keyof ProxmoxActivities;

// Checks read a few values: transient failures clear within seconds, so few attempts with a short backoff.
const CHECK_RETRY: StepRetry = { maximumAttempts: 5, initialIntervalSeconds: 2, backoffCoefficient: 2, maximumIntervalSeconds: 30 };

function step(def: Omit<StepDefinition, 'activity' | 'retry' | 'startToCloseSeconds'> & {
  activity: ActivityName;
  retry?: StepRetry;
  startToCloseSeconds?: number;
}): StepDefinition {
  return { retry: CHECK_RETRY, startToCloseSeconds: 60, ...def };
}

const VERSION = 'proxmox.version';

export const PROXMOX_PREPARATION_STEPS: StepDefinition[] = [
  step({ id: VERSION, phase: 'preparation', title: 'Proxmox VE version is supported', activity: 'proxmoxVersion', blocking: true }),
  step({
    id: 'proxmox.resources',
    phase: 'preparation',
    title: 'Proxmox nodes have CPU, memory and storage headroom',
    activity: 'proxmoxResources',
    dependsOn: [VERSION],
    blocking: true,
  }),
  step({
    id: 'proxmox.bridges',
    phase: 'preparation',
    title: 'Proxmox bridges (vmbr0+) present and active',
    activity: 'proxmoxBridges',
    dependsOn: [VERSION],
    blocking: true,
  }),
  step({
    id: 'proxmox.tls-certificate',
    phase: 'preparation',
    title: 'Proxmox TLS certificate valid and not expiring soon',
    activity: 'proxmoxTlsCertificate',
    dependsOn: [VERSION],
    // An expiring certificate still works today: the run goes on and the report warns.
    blocking: false,
  }),
  step({
    id: 'proxmox.api-url',
    phase: 'preparation',
    title: 'Proxmox API URL is the API root (no /api2/json suffix)',
    activity: 'proxmoxApiUrl',
    blocking: false,
  }),
  step({
    id: 'proxmox.template',
    phase: 'preparation',
    title: 'VM template exists with guest agent and cloud-init drive',
    activity: 'proxmoxTemplate',
    dependsOn: [VERSION],
    blocking: true,
  }),
  step({
    id: 'proxmox.storage',
    phase: 'preparation',
    title: 'Storage pool holds disk images and has room',
    activity: 'proxmoxStorage',
    dependsOn: [VERSION],
    blocking: true,
  }),
];

const STEP1 = 'step1-api-connection' as const;
const STEP2 = 'step2-network-storage' as const;

export const STEP1_STEPS: StepDefinition[] = [
  step({
    id: 'step1.ticket-auth',
    phase: 'basic-integration',
    group: STEP1,
    title: 'Ticket authentication and a CSRF-protected write',
    activity: 'step1TicketAuth',
    blocking: true,
    component: 'Proxmox VE API',
  }),
  step({
    id: 'step1.token-auth',
    phase: 'basic-integration',
    group: STEP1,
    title: 'API token authentication',
    activity: 'step1TokenAuth',
    blocking: true,
  }),
  step({
    id: 'step1.token-privileges',
    phase: 'basic-integration',
    group: STEP1,
    title: 'API token privileges cover the Cluster API provider and CSI',
    activity: 'step1TokenPrivileges',
    dependsOn: ['step1.token-auth'],
    blocking: true,
  }),
  step({
    id: 'step1.api-latency',
    phase: 'basic-integration',
    group: STEP1,
    title: 'API response time under the threshold',
    activity: 'step1ApiLatency',
    blocking: false,
    startToCloseSeconds: 120,
  }),
];

const CREATE_BRIDGE: StepDefinition = step({
  id: 'step2.create-bridge',
  phase: 'basic-integration',
  group: STEP2,
  title: 'Create the VM bridge and apply the network configuration',
  activity: 'step2CreateBridge',
  blocking: true,
  startToCloseSeconds: 300,
  compensation: undo('step2DeleteBridge', 'on-failure', 300),
});

function step2Steps(createsBridge: boolean): StepDefinition[] {
  return [
    ...(createsBridge ? [CREATE_BRIDGE] : []),
    step({
      id: 'step2.bridges',
      phase: 'basic-integration',
      group: STEP2,
      title: 'Bridge for VMs present and active',
      activity: 'step2Bridges',
      dependsOn: createsBridge ? [CREATE_BRIDGE.id] : undefined,
      blocking: true,
      component: 'Proxmox network',
    }),
    step({
      id: 'step2.storage-pools',
      phase: 'basic-integration',
      group: STEP2,
      title: 'Storage pool for Kubernetes volumes',
      activity: 'step2StoragePools',
      blocking: true,
      component: 'Proxmox storage',
    }),
  ];
}

/** Every Proxmox step the catalogue knows, step2.create-bridge included (for lookups by ID). */
export const ALL_PROXMOX_STEPS: StepDefinition[] = [...PROXMOX_PREPARATION_STEPS, ...STEP1_STEPS, ...step2Steps(true)];

/** The Proxmox steps of the plan for this config: step2.create-bridge only when proxmox.createBridge is set. */
export function proxmoxSteps(config: Pick<IntegrationConfig, 'proxmox'>): StepDefinition[] {
  return [...PROXMOX_PREPARATION_STEPS, ...STEP1_STEPS, ...step2Steps(config.proxmox.createBridge !== undefined)];
}
