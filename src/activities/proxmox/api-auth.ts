// step1.ticket-auth and step1.token-auth: both ways of authenticating work.
//
// The ticket check includes a write, because only a write proves that the CSRF token is sent and accepted. The write
// is the comment of a dedicated, empty pool "cozy-proxmox-check", created if absent: a pool with no members changes
// nothing any VM, storage or permission depends on, setting the same comment twice has the same effect as once (so a
// retried attempt is harmless), and it needs only Pool.Allocate on that one pool.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { ProxmoxAlreadyExistsError } from '../../proxmox/errors';
import { hasTicketCredentials, runProxmoxStep, skipped } from './step-context';

export const CHECK_POOL = 'cozy-proxmox-check';

export function step1TicketAuth(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  if (!hasTicketCredentials(cfg)) {
    return Promise.resolve(skipped('no proxmox.username/password configured: ticket authentication not tested'));
  }
  return runProxmoxStep(input, 'ticket', async (client) => {
    const started = Date.now();
    const ticket = await client.login();
    const loginMs = Date.now() - started;
    const pools = await client.pools();
    let created = false;
    if (!pools.some((p) => p.poolid === CHECK_POOL)) {
      try {
        await client.createPool(CHECK_POOL, 'connection check of cozy-proxmox; holds nothing');
        created = true;
      } catch (err) {
        if (!(err instanceof ProxmoxAlreadyExistsError)) throw err;
      }
    }
    const writeStarted = Date.now();
    await client.updatePool(CHECK_POOL, { comment: `connection check of cozy-proxmox (${input.workflowId}); holds nothing` });
    const writeMs = Date.now() - writeStarted;
    return {
      status: 'passed',
      message: `${ticket?.username ?? cfg.username} logged in with a ticket; a CSRF-protected write (PUT /pools/${CHECK_POOL}) succeeded`,
      details: [created ? `pool ${CHECK_POOL} created for the write check` : `pool ${CHECK_POOL} already present`],
      metrics: { loginMs, writeMs },
      outputs: { user: ticket?.username ?? cfg.username ?? '', checkPool: CHECK_POOL },
    };
  });
}

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
