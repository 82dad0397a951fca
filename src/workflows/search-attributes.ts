// Search attributes that let the Temporal UI and `list` find runs by cluster, phase and state.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CLUSTER_KEY = defineSearchAttributeKey('CozyCluster', SearchAttributeType.KEYWORD);
export const PHASE_KEY = defineSearchAttributeKey('CozyPhase', SearchAttributeType.KEYWORD);
export const STATE_KEY = defineSearchAttributeKey('CozyState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [CLUSTER_KEY, PHASE_KEY, STATE_KEY];
