// The network-policy step activities (step6), by name: the worker registers them under these names.
import { networkDeletePolicyTest } from './cleanup';
import { networkCniReady } from './cni-ready';
import { networkPolicies } from './policies';

export const networkActivities = {
  networkCniReady,
  networkPolicies,
  networkDeletePolicyTest,
};

export type NetworkActivities = typeof networkActivities;
