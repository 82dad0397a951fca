// Signs a decision for one run as a client sends it: the run's id (so the signature is worth nothing on another
// run), and the name the worker lists for the key when the caller gives none.
import { progressQuery } from '../workflows/definitions';
import type { CozyClient } from '../client';
import type { DecisionSignature, DecisionSubject } from './decision';
import { signDecision, type SigningKey } from './sign';

export interface SignedDecision {
  by: string;
  signature: DecisionSignature;
}

export async function signForRun(
  cozy: CozyClient,
  workflowId: string,
  key: SigningKey,
  by: string | undefined,
  subject: DecisionSubject,
  fallbackName: () => string,
): Promise<SignedDecision> {
  const handle = cozy.client.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  const name = by ?? (await listedName(handle, key)) ?? fallbackName();
  return { by: name, signature: signDecision(key, { workflowId, runId, by: name }, subject) };
}

/** The name the run's worker lists for this key (undefined when it lists none, or no worker answers). */
async function listedName(handle: ReturnType<CozyClient['client']['workflow']['getHandle']>, key: SigningKey): Promise<string | undefined> {
  try {
    const progress = await handle.query(progressQuery);
    return progress.decisions?.approvers.find((a) => a.fingerprint === key.fingerprint)?.name;
  } catch {
    return undefined; // the update that follows says what is wrong
  }
}
