// Workflow entry point for the worker's bundle: every workflow type this service runs.
export { integrateCluster } from './integrate-cluster';
