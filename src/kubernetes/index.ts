// The Kubernetes client layer: kubeconfig loading, server-side apply, waits driven by watches, error classification.
export { KubeClient, FIELD_MANAGER, type ApplyOptions } from './client';
export { conditionIsTrue, conditionsOf, describeConditions, findCondition } from './conditions';
export { eventsAbout, type EventObject } from './events';
export { httpStatusOf, isMissingResourceType, isNotFound, KubeconfigError, networkCodeOf } from './errors';
export { loadKubeConfig, type KubeconfigSource } from './kubeconfig';
export { kubernetesClientModule } from './module';
export { describeRef, refOf, type Condition, type KubeObject, type ObjectMeta, type ObjectRef } from './types';
export { waitForCondition, waitForObject, WaitTimeoutError, type WaitEvent, type WaitOptions } from './wait';
export * from './cozystack';
