// Output helpers: JSON for scripts, text for people.
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function defaultApprover(): string {
  return process.env.COZY_PROXMOX_USER ?? process.env.USER ?? process.env.LOGNAME ?? 'unknown';
}
