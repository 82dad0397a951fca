// The four phases of the integration plan and the plan's eight test steps. Pure data: imported by workflow code.

export const PHASE_IDS = ['preparation', 'basic-integration', 'advanced-integration', 'monitoring-security'] as const;
export type PhaseId = (typeof PHASE_IDS)[number];

export const PHASE_TITLES: Record<PhaseId, string> = {
  preparation: 'Phase 1: Preparation (assessment, test environment)',
  'basic-integration': 'Phase 2: Basic integration',
  'advanced-integration': 'Phase 3: Advanced integration',
  'monitoring-security': 'Phase 4: Monitoring and security',
};

export const TEST_STEP_GROUPS = [
  'step1-api-connection',
  'step2-network-storage',
  'step3-vm-management',
  'step4-worker',
  'step5-csi',
  'step6-network-policies',
  'step7-monitoring',
  'step8-e2e',
] as const;
export type TestStepGroup = (typeof TEST_STEP_GROUPS)[number];

export function isPhaseId(value: string): value is PhaseId {
  return (PHASE_IDS as readonly string[]).includes(value);
}
