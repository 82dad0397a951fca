// The CSI step activities (step5), by name: the worker registers them under these names.
import { csiDeleteTestVolume } from './cleanup';
import { csiExpand } from './expand';
import { csiSnapshot } from './snapshot';
import { csiStorageClass } from './storage-class';
import { csiTopology } from './topology';
import { csiVolume } from './volume';

export const csiActivities = {
  csiStorageClass,
  csiTopology,
  csiVolume,
  csiExpand,
  csiSnapshot,
  csiDeleteTestVolume,
};

export type CsiActivities = typeof csiActivities;
