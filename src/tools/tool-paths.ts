// Where scripts/tools.sh put the external binaries. It records KEY=PATH lines in <cache>/tools.env.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function toolCacheDir(): string {
  return process.env.COZY_PROXMOX_CACHE ?? join(homedir(), '.cache', 'cozy-proxmox');
}

export function readToolPaths(): Record<string, string> {
  const file = join(toolCacheDir(), 'tools.env');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Path of one tool, or an error that says how to install it. */
export function toolPath(key: string, toolName: string): string {
  const path = process.env[key] ?? readToolPaths()[key];
  if (!path || !existsSync(path)) {
    throw new Error(`${toolName} is not installed: run \`npm run tools -- ${toolName}\` (looked for ${key} in ${join(toolCacheDir(), 'tools.env')})`);
  }
  return path;
}
