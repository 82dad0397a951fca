// step1.token-auth: the API token the Cluster API provider and the CSI plugin use authenticates.
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { runProxmoxStep, skipped } from './step-context';

export function step1TokenAuth(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  if (!cfg.token) {
    return Promise.resolve(
      skipped('no proxmox.token configured: the Cluster API provider and the CSI plugin need an API token'),
    );
  }
  const tokenId = cfg.token.id;
  return runProxmoxStep(input, 'token', async (client) => {
    const started = Date.now();
    const info = await client.version();
    const nodes = await client.nodes();
    const ms = Date.now() - started;
    return {
      status: 'passed',
      message: `API token ${tokenId} authenticates (Proxmox VE ${info.version}, ${nodes.length} node(s) visible)`,
      metrics: { ms, visibleNodes: nodes.length },
      outputs: { tokenId },
    };
  });
}

export const step1TokenAuthStep = defineStep({
  id: 'step1.token-auth',
  phase: 'basic-integration',
  group: 'step1-api-connection',
  title: 'API token authentication',
  blocking: true,
  run: step1TokenAuth,
});
