// The input of step7.logs in the tests: a cluster of the given name on the shared control plane, a Proxmox that the
// step never calls, and the monitoring settings under test.
import type { StepInput } from '../../src/catalogue/types';
import { integrationConfigSchema } from '../../src/config/schema';

export function logsStepInput(cluster: string, kubeconfig: string, monitoring: Record<string, unknown>): StepInput {
  return {
    stepId: 'step7.logs',
    workflowId: `integrate-cluster-${cluster}`,
    config: integrationConfigSchema.parse({
      apiVersion: 'cozy-proxmox/v1',
      kind: 'Integration',
      cluster: { name: cluster },
      proxmox: { url: 'https://127.0.0.1:8006', node: 'pve1', token: { id: 'root@pam!cozy', secret: 'env:UNUSED_HERE' }, templateId: 9000 },
      kubernetes: { kubeconfig },
      monitoring,
    }),
    outputs: {},
  };
}
