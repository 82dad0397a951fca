// Every step and compensation activity the catalogue names, registered under the names StepDefinition.activity uses.
import { CATALOGUE } from '../catalogue';
import type { StepActivity } from '../catalogue/types';
import { realClientFactories, type ClientFactories } from './common/clients';
import { wrapStepActivities } from './common/step-wrapper';
import { chartActivities } from './charts';
import { kubernetesActivities } from './kubernetes';
import { proxmoxActivities } from './proxmox';
import { capiActivities } from './capi';
import { workerHostActivities } from './worker-host';
import { csiActivities } from './csi';
import { networkActivities } from './network';
import { monitoringActivities } from './monitoring';
import { e2eActivities } from './e2e';

const asSteps = (acts: object) => acts as Record<string, StepActivity>;

/** The activities the catalogue names as undos (compensations). */
export const UNDO_ACTIVITIES: ReadonlySet<string> = new Set(CATALOGUE.flatMap((s) => (s.compensation ? [s.compensation.activity] : [])));

/** Every activity, wrapped, reaching its systems through `clients` (made once per worker). */
export function allActivities(clients: ClientFactories = realClientFactories()): Record<string, StepActivity> {
  return wrapStepActivities({
    ...asSteps(proxmoxActivities), ...asSteps(kubernetesActivities), ...asSteps(chartActivities),
    ...asSteps(capiActivities),
    ...asSteps(workerHostActivities),
    ...asSteps(csiActivities),
    ...asSteps(networkActivities),
    ...asSteps(monitoringActivities),
    ...asSteps(e2eActivities),
  }, UNDO_ACTIVITIES, clients);
}
