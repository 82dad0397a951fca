// The workflow's versioned changes: each id is a `patched()` marker that runs recorded before the change do not carry,
// so that they replay as they ran while new runs take the new path. An id is never reused or renamed; once no run
// without it can be open any more, the old path goes and the call becomes `deprecatePatch(id)`.
export const PATCHES = {
  /** While a gate waits, the CozyPhase search attribute names the phase behind it (before: the phase that ran). */
  openGatePhase: 'open-gate-phase',
} as const;

export const PATCH_IDS: readonly string[] = Object.values(PATCHES);
