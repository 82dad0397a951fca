// Before a run starts: is every secret the config references actually there? A missing one is bad input (exit 2),
// found now instead of as a failed step an hour later. Only presence is checked: values are never read here.
import { accessSync, constants } from 'node:fs';
import type { IntegrationConfig } from './schema';
import { parseSecretRef } from './secret-ref';
import type { ConfigProblem } from './load';

export function secretRefsOf(config: IntegrationConfig): { path: string; ref: string }[] {
  const out: { path: string; ref: string }[] = [];
  if (config.proxmox.password) out.push({ path: 'proxmox.password', ref: config.proxmox.password });
  if (config.proxmox.token) out.push({ path: 'proxmox.token.secret', ref: config.proxmox.token.secret });
  if (config.ssh) out.push({ path: 'ssh.privateKey', ref: config.ssh.privateKey });
  if (config.monitoring.grafanaToken) out.push({ path: 'monitoring.grafanaToken', ref: config.monitoring.grafanaToken });
  return out;
}

/** k8s: references are resolved against the cluster by the worker and are not checked here. */
export function checkSecretsPresent(config: IntegrationConfig, env: NodeJS.ProcessEnv = process.env): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const { path, ref } of secretRefsOf(config)) {
    const parsed = parseSecretRef(ref);
    if (typeof parsed === 'string') continue; // already reported by the schema
    if (parsed.kind === 'env' && !env[parsed.name]) {
      problems.push({ path, message: `refers to environment variable ${parsed.name}, which is not set` });
    }
    if (parsed.kind === 'file') {
      try {
        accessSync(parsed.path, constants.R_OK);
      } catch {
        problems.push({ path, message: `refers to file ${parsed.path}, which does not exist or is not readable` });
      }
    }
  }
  return problems;
}
