// Output helpers: JSON for scripts, text for people.
import { userInfo } from 'node:os';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Who runs the command: COZY_PROXMOX_USER, else the login name (from the environment, else the account). */
export function defaultApprover(): string {
  return process.env.COZY_PROXMOX_USER ?? process.env.USER ?? process.env.LOGNAME ?? accountName() ?? 'unknown';
}

function accountName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined; // no passwd entry for the uid (some containers)
  }
}
