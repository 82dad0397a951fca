// The end-to-end step activities (step8), by name: the worker registers them under these names.
import { e2eBenchmark } from './benchmark';
import { e2eDeleteTestResources } from './cleanup';
import { e2eReliability } from './reliability';
import { e2eWorkload } from './workload';

export const e2eActivities = {
  e2eWorkload,
  e2eBenchmark,
  e2eReliability,
  e2eDeleteTestResources,
};

export type E2eActivities = typeof e2eActivities;
