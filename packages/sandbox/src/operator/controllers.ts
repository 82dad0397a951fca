// The controllers the sandbox operator runs, by name.
import type { StartController } from './context';
import { CAPI_OPERATOR_CONTROLLER, startCapiOperator } from './capi-operator';
import { CSI_CONTROLLERS } from './csi-controllers';
import { NODE_HEALTH_CONTROLLER, startNodeHealth } from './node-health';
import { PVE_EXPORTER_CONTROLLER, startPveExporterPods } from './pve-exporter-pod';

export const OPERATOR_CONTROLLERS: Record<string, StartController> = {
  [CAPI_OPERATOR_CONTROLLER]: startCapiOperator,
  ...CSI_CONTROLLERS,
  [NODE_HEALTH_CONTROLLER]: startNodeHealth,
  [PVE_EXPORTER_CONTROLLER]: startPveExporterPods,
};
