// The plan of a new run, built by the worker: the catalogue that chooses the steps is the one whose activities will
// run them, whichever release of the CLI started the run. The workflow calls this activity at the start of a run; its
// result is recorded in the history, so a later release's catalogue never changes a running run's plan, and a replay
// reads the plan from the history instead of building it again.
import { buildPlan } from '../../catalogue';
import type { PlannedRun } from '../../catalogue/types';
import type { IntegrationConfig } from '../../config/schema';
import { releaseVersion } from '../../release';

export async function planRun(config: IntegrationConfig): Promise<PlannedRun> {
  return { release: releaseVersion(), steps: buildPlan(config) };
}

/** The activities every worker registers besides the step activities it is given. */
export const PLAN_ACTIVITIES = { planRun } as const;
