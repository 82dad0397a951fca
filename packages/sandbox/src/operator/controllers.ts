// The controllers the sandbox operator runs, by name.
import type { StartController } from './context';
import { CAPI_OPERATOR_CONTROLLER, startCapiOperator } from './capi-operator';
import { CAPI_PROVIDER_PODS_CONTROLLER, startCapiProviderPods } from './capi-provider-pods';
import { CSI_CONTROLLERS } from './csi-controllers';
import { NODE_HEALTH_CONTROLLER, startNodeHealth } from './node-health';
import { PVE_EXPORTER_CONTROLLER, startPveExporterPods } from './pve-exporter-pod';

export const OPERATOR_CONTROLLERS: Record<string, StartController> = {
  [CAPI_OPERATOR_CONTROLLER]: startCapiOperator,
  [CAPI_PROVIDER_PODS_CONTROLLER]: startCapiProviderPods,
  ...CSI_CONTROLLERS,
  [NODE_HEALTH_CONTROLLER]: startNodeHealth,
  [PVE_EXPORTER_CONTROLLER]: startPveExporterPods,
};
