// The Proxmox step activities, by name: the worker registers them under these names (StepDefinition.activity).
import { proxmoxApiUrl } from './api-url';
import { step1TicketAuth, step1TokenAuth } from './api-auth';
import { step1ApiLatency } from './api-latency';
import { proxmoxBridges, step2Bridges } from './bridges';
import { step2CreateBridge, step2DeleteBridge } from './create-bridge';
import { proxmoxResources } from './resources';
import { proxmoxStorage, step2StoragePools } from './storage';
import { proxmoxTemplate } from './template';
import { proxmoxTlsCertificate } from './tls-certificate';
import { step1TokenPrivileges } from './token-privileges';
import { proxmoxVersion } from './version';

export const proxmoxActivities = {
  proxmoxVersion,
  proxmoxResources,
  proxmoxBridges,
  proxmoxTlsCertificate,
  proxmoxApiUrl,
  proxmoxTemplate,
  proxmoxStorage,
  step1TicketAuth,
  step1TokenAuth,
  step1TokenPrivileges,
  step1ApiLatency,
  step2Bridges,
  step2CreateBridge,
  step2DeleteBridge,
  step2StoragePools,
};

export type ProxmoxActivities = typeof proxmoxActivities;
