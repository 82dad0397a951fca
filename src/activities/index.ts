// Every step and compensation activity the catalogue names, registered under the names StepDefinition.activity uses.
import type { StepActivity } from '../catalogue/types';
import { wrapStepActivities } from './common/step-wrapper';
import { chartActivities } from './charts';
import { kubernetesActivities } from './kubernetes';
import { proxmoxActivities } from './proxmox';

const asSteps = (acts: object) => acts as Record<string, StepActivity>;

export function allActivities(): Record<string, StepActivity> {
  return wrapStepActivities({ ...asSteps(proxmoxActivities), ...asSteps(kubernetesActivities), ...asSteps(chartActivities) });
}
