// The controllers the sandbox operator runs, by name.
import type { StartController } from './context';
import { CAPI_CORE_CONTROLLER, startCapiCore } from './capi-core';
import { CAPI_OPERATOR_CONTROLLER, startCapiOperator } from './capi-operator';
import { CAPMOX_CONTROLLER, startCapmox } from './capmox';
import { CSI_CONTROLLERS } from './csi-controllers';
import { NODE_HEALTH_CONTROLLER, startNodeHealth } from './node-health';

export const OPERATOR_CONTROLLERS: Record<string, StartController> = {
  [CAPI_OPERATOR_CONTROLLER]: startCapiOperator,
  [CAPI_CORE_CONTROLLER]: startCapiCore,
  [CAPMOX_CONTROLLER]: startCapmox,
  ...CSI_CONTROLLERS,
  [NODE_HEALTH_CONTROLLER]: startNodeHealth,
};
