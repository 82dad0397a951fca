// Reads the worker policy file once, when the worker starts. A file that cannot be read or does not validate stops the
// worker with every problem and the field it concerns: a worker must not start with a policy other than the one the
// operator meant (a guard that silently allowed everything would be worse than none).
import { readFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { workerPolicySchema, type WorkerPolicy } from './schema';

/** The environment variable `cozy-proxmox worker` reads the policy path from when --policy is not given. */
export const WORKER_POLICY_ENV = 'COZY_PROXMOX_WORKER_POLICY';

/** Far larger than any real policy; a bigger file is a mistake, refused before parsing. */
const MAX_POLICY_BYTES = 256 * 1024;

export class WorkerPolicyError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`worker policy ${source}: invalid\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WorkerPolicyError';
  }
}

export function loadWorkerPolicy(path: string): WorkerPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WorkerPolicyError(path, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw new WorkerPolicyError(path, [`the file is larger than ${MAX_POLICY_BYTES} bytes`]);
  return parseWorkerPolicy(text, path);
}

export function parseWorkerPolicy(text: string, source = 'worker policy'): WorkerPolicy {
  // uniqueKeys: a key given twice is an error, not a silent override.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new WorkerPolicyError(source, doc.errors.map((e) => `${e.linePos ? `line ${e.linePos[0].line}: ` : ''}${e.message.split('\n')[0]}`));
  }
  if (!isMap(doc.contents)) throw new WorkerPolicyError(source, ['the policy must be a YAML mapping (approvers:, allow:)']);
  const parsed = workerPolicySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new WorkerPolicyError(source, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return { ...parsed.data, source };
}
