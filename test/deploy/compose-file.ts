// Reads docker-compose.yml the way `docker compose` does for the parts the tests check: YAML with merge keys, then
// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message} and $$ interpolated from an environment.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/cli';

export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const value = env[name as string];
    const unsetOrEmpty = value === undefined || value === '';
    switch (op) {
      case ':-':
        return unsetOrEmpty ? (arg ?? '') : (value as string);
      case '-':
        return value === undefined ? (arg ?? '') : value;
      case ':?':
      case '?':
        if (op === ':?' ? unsetOrEmpty : value === undefined) throw new Error(`required variable ${name} is missing: ${arg}`);
        return value as string;
      default:
        return value ?? '';
    }
  });
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | null> | string[];
  ports?: (string | { host_ip?: string; published?: string | number })[];
  profiles?: string[];
  volumes?: unknown[];
  depends_on?: Record<string, { condition: string }> | string[];
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

export function loadCompose(env: Record<string, string | undefined> = {}, text = readFileSync(COMPOSE_FILE, 'utf8')): ComposeModel {
  // Interpolation works on values; doing it on the text is equivalent here since no value spans lines.
  return parse(interpolate(text, env), { merge: true }) as ComposeModel;
}
