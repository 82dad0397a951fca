// Loads and validates a config file before anything starts. Every problem is reported at once, each with the path
// of the field (and the environment variable it came from, when it came from one).
import { readFileSync, statSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import type { ZodIssue } from 'zod';
import { integrationConfigSchema, type IntegrationConfig } from './schema';
import { applyEnvOverrides } from './env-overrides';

/** Refuse files far larger than any real config before parsing them. */
export const MAX_CONFIG_BYTES = 256 * 1024;

export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${source}: invalid config\n${problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n')}`);
  }
}

export interface LoadOptions {
  /** Environment for the plan's config.env overrides; process.env by default. Pass {} to ignore the environment. */
  env?: NodeJS.ProcessEnv;
}

export function loadConfigFile(file: string, opts: LoadOptions = {}): IntegrationConfig {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [{ path: '', message: `the file is ${size} bytes; a config is at most ${MAX_CONFIG_BYTES} bytes` }]);
  }
  return parseConfigText(readFileSync(file, 'utf8'), file, opts);
}

export function parseConfigText(text: string, source = 'config', opts: LoadOptions = {}): IntegrationConfig {
  // uniqueKeys: a key given twice is an error, not a silent override.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}` : '', message: e.message.split('\n')[0] })),
    );
  }
  if (!isMap(doc.contents)) {
    throw new ConfigError(source, [{ path: '', message: 'the config must be a YAML mapping (key: value)' }]);
  }
  const raw = doc.toJS() as Record<string, unknown>;
  const { value, origins, problems } = applyEnvOverrides(raw, opts.env ?? process.env);
  const result = integrationConfigSchema.safeParse(value);
  const all = [...problems];
  if (!result.success) all.push(...result.error.issues.map((i) => describeIssue(i, origins)));
  if (all.length > 0) throw new ConfigError(source, all);
  return (result as { data: IntegrationConfig }).data;
}

function describeIssue(issue: ZodIssue, origins: Map<string, string>): ConfigProblem {
  const path = issue.path.join('.');
  const origin = origins.get(path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.received === 'undefined') message = 'is required';
  else if (issue.code === 'invalid_type') message = `must be a ${issue.expected}, not a ${issue.received}`;
  return { path: origin ? `${path} (from ${origin})` : path, message };
}
