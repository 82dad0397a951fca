// The step4 worker activities, by name: the worker registers them under these names.
import { workerHostJoin } from './join';
import { workerHostNodeReady } from './node-ready';
import { workerHostPreflight } from './preflight';
import { workerHostReset } from './reset';

export const workerHostActivities = {
  workerHostPreflight,
  workerHostJoin,
  workerHostReset,
  workerHostNodeReady,
};

export type WorkerHostActivities = typeof workerHostActivities;
