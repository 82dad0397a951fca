// Building blocks for engine tests: a valid config and plan steps that call activities defined in the test.
import type { PhaseId, TestStepGroup } from '../../src/catalogue/phases';
import type { StepDefinition } from '../../src/catalogue/types';
import { integrationConfigSchema, type IntegrationConfig, type IntegrationConfigInput } from '../../src/config/schema';

export function testConfig(overrides: Partial<IntegrationConfigInput> = {}): IntegrationConfig {
  return integrationConfigSchema.parse({
    apiVersion: 'cozy-proxmox/v1',
    kind: 'Integration',
    cluster: { name: 'engine-test' },
    proxmox: {
      url: 'https://127.0.0.1:8006',
      node: 'pve1',
      username: 'root@pam',
      password: 'env:TEST_PROXMOX_PASSWORD',
      templateId: 9000,
    },
    gates: {
      preparation: 'auto',
      'basic-integration': 'manual',
      'advanced-integration': 'manual',
      'monitoring-security': 'manual',
    },
    approvers: ['alice', 'bob'],
    ...overrides,
  });
}

export function step(
  id: string,
  phase: PhaseId,
  activity: string,
  extra: Partial<StepDefinition> & { group?: TestStepGroup } = {},
): StepDefinition {
  return {
    id,
    phase,
    title: `test step ${id}`,
    activity,
    blocking: true,
    startToCloseSeconds: 30,
    retry: { maximumAttempts: 2, initialIntervalSeconds: 0.05 as number, backoffCoefficient: 1 },
    ...extra,
  };
}
