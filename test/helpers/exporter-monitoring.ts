// The sandbox's Prometheus and prometheus-pve-exporter against a test's simulator, the exporter logged in with the
// given API token (its secret written to a file, as the sandbox keeps it), scraping every 2 s.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandboxMonitoring, type SandboxMonitoring } from '../../packages/sandbox/src/monitoring';
import type { RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';

export function startExporterMonitoring(dir: string, sim: RunningSimulator, token: { id: string; secret: string }): Promise<SandboxMonitoring> {
  mkdirSync(dir, { recursive: true });
  const tokenSecretFile = join(dir, 'token-secret');
  writeFileSync(tokenSecretFile, token.secret + '\n', { mode: 0o600 });
  return startSandboxMonitoring(dir, { proxmoxUrl: sim.url, caFile: sim.caFile as string, tokenId: token.id, tokenSecretFile, scrapeIntervalSeconds: 2 });
}
