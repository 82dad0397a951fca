// The worker policy: settings that belong to the worker, never to a run. A run's config names secret references and
// hosts; the worker only resolves and calls the ones its own policy allows, so whoever can start a run cannot make a
// worker read any of its variables or files and send them to any host. Read from a YAML file at worker start
// (`cozy-proxmox worker --policy FILE`, load.ts); every field is checked here so a bad file stops the worker with the
// field named.
import { z } from 'zod';
import { parsePublicKeyLine } from '../approvals/public-key';
import { hostPatternProblem, secretPatternProblem } from './patterns';

// The same user names as the config's approvers (src/config/schema.ts).
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

const approverSchema = z.strictObject({
  name: z.string().regex(USER_NAME, 'must be a user name'),
  // Checked in full (type, 32 key bytes), so a truncated paste or a key of another type is refused at start rather
  // than when someone first needs it.
  key: z.string().superRefine((line, ctx) => {
    const parsed = parsePublicKeyLine(line);
    if (typeof parsed === 'string') ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
  }),
});

const patternList = (problemOf: (pattern: string) => string | undefined) =>
  z.array(
    z.string().superRefine((pattern, ctx) => {
      const problem = problemOf(pattern);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    }),
  );

export const workerPolicySchema = z.strictObject({
  approvers: z.array(approverSchema).default([]),
  // Without `allow` the worker resolves and calls whatever a run names (as without a policy file); with it, only
  // what a pattern matches. Both lists are required so that a forgotten one never means "everything".
  allow: z
    .strictObject({
      secrets: patternList(secretPatternProblem),
      hosts: patternList(hostPatternProblem),
    })
    .optional(),
});

export interface WorkerPolicy {
  approvers: { name: string; key: string }[];
  allow?: { secrets: string[]; hosts: string[] };
  /** The file it was read from: refusals name it, so an operator knows what to edit. */
  source?: string;
}
