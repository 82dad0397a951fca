// step1.ticket-auth: a ticket (username and password) authenticates and a CSRF-protected write succeeds.
//
// The check includes a write, because only a write proves that the CSRF token is sent and accepted. The write
// is the comment of a dedicated, empty pool "cozy-proxmox-check", created if absent: a pool with no members changes
// nothing any VM, storage or permission depends on, setting the same comment twice has the same effect as once (so a
// retried attempt is harmless), and it needs only Pool.Allocate on that one pool.
import { defineStep } from '../../catalogue/define-step';
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

export const step1TicketAuthStep = defineStep({
  id: 'step1.ticket-auth',
  phase: 'basic-integration',
  group: 'step1-api-connection',
  title: 'Ticket authentication and a CSRF-protected write',
  blocking: true,
  component: 'Proxmox VE API',
  run: step1TicketAuth,
});
