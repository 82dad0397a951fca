// The workflow's versioned changes: each id is a `patched()` marker that runs recorded before the change do not carry,
// so that they replay as they ran while new runs take the new path. An id is never reused or renamed; once no run
// without it can be open any more, the old path goes and the call becomes `deprecatePatch(id)`.
export const PATCHES = {
  /** While a gate waits, the CozyPhase search attribute names the phase behind it (before: the phase that ran). */
  openGatePhase: 'open-gate-phase',
  /**
   * Sagas: a step's undo is registered before the step runs (and runs at the end of a run in which the step did not
   * pass), every step waits for its cancellation to complete, a phase lets its steps settle before the run
   * compensates, and undos run with their own limits (before: an undo was registered once its step passed, an abort
   * compensated while sibling steps were still being cancelled, and undos borrowed the step's limit).
   */
  sagas: 'sagas',
  /**
   * Signed decisions: the run reads the approvers the worker's policy lists when it starts, when a gate opens and
   * when a step blocks, and its validators accept only decisions signed by one of them (before: any `by`).
   */
  signedDecisions: 'signed-decisions',
} as const;

export const PATCH_IDS: readonly string[] = Object.values(PATCHES);
