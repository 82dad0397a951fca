// Every step and compensation activity the catalogue names, registered under the names StepDefinition.activity uses.
import type { StepActivity } from '../catalogue/types';
import { wrapStepActivities } from './common/step-wrapper';
import { proxmoxActivities } from './proxmox';

export function allActivities(): Record<string, StepActivity> {
  return wrapStepActivities({ ...(proxmoxActivities as unknown as Record<string, StepActivity>) });
}
