// The Cluster API steps (provider readiness and the plan's step 3, VM management), by name: the worker registers
// them under these names.
import { capiCleanupStep3 } from './cleanup';
import { capiClusterReady } from './cluster-ready';
import { capiProviderReady } from './provider-ready';
import { capiVmDelete } from './vm-delete';
import { capiVmProvisioned } from './vm-provisioned';
import { capiVmScale } from './vm-scale';

export const capiActivities = {
  capiProviderReady,
  capiClusterReady,
  capiCleanupStep3,
  capiVmProvisioned,
  capiVmScale,
  capiVmDelete,
};

export type CapiActivities = typeof capiActivities;
