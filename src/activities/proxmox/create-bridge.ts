// step2.create-bridge (only when proxmox.createBridge is set): creates the bridge if absent and applies the network
// configuration; its undo deletes it again. The bridge carries a marker comment naming the workflow, so that a
// later attempt (or the compensation) recognises a bridge this run made even if the attempt that made it died before
// recording its outputs.
import { z } from 'zod';
import { defineStep } from '../../catalogue/define-step';
import type { StepInput, StepOutcome } from '../../catalogue/types';
import type { ProxmoxClient } from '../../proxmox/client';
import { ProxmoxAlreadyExistsError, ProxmoxNotFoundError, ProxmoxValidationError } from '../../proxmox/errors';
import { NetworkInterface, truthy } from '../../proxmox/types';
import { checkFailed } from '../common/failures';
import { heartbeat, runProxmoxStep, skipped } from './step-context';

const outputs = z.object({ bridge: z.string(), node: z.string(), created: z.boolean() });

export function bridgeMarker(workflowId: string): string {
  return `created by cozy-proxmox ${workflowId}`;
}

async function findInterface(client: ProxmoxClient, node: string, iface: string): Promise<NetworkInterface | undefined> {
  return (await client.networks(node)).find((i) => i.iface === iface);
}

async function applyNetwork(client: ProxmoxClient, node: string): Promise<number> {
  const upid = await client.reloadNetwork(node);
  const result = await client.waitTask(upid, {
    timeoutMs: 120_000,
    onProgress: (p) => heartbeat({ task: p.type, status: p.status, polls: p.polls }),
  });
  return result.waitedMs;
}

export function step2CreateBridge(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  const spec = cfg.createBridge;
  if (!spec) return Promise.resolve(skipped('proxmox.createBridge is not set: no bridge to create'));
  const marker = bridgeMarker(input.workflowId);
  return runProxmoxStep(input, 'preferred', async (client) => {
    const existing = await findInterface(client, cfg.node, spec.name);
    if (existing && existing.type !== 'bridge' && existing.type !== 'OVSBridge') {
      throw checkFailed(`${spec.name} already exists on ${cfg.node} as a ${existing.type}: choose another name in proxmox.createBridge`);
    }
    const ours = existing ? (existing.comments ?? '').includes(marker) : true;
    if (existing && truthy(existing.active)) {
      return {
        status: 'passed',
        message: `bridge ${spec.name} is already present and active on ${cfg.node}${ours ? ' (created by this run)' : ''}`,
        outputs: { bridge: spec.name, node: cfg.node, created: ours } satisfies z.infer<typeof outputs>,
      };
    }
    if (!existing) {
      try {
        await client.createBridge(cfg.node, { iface: spec.name, cidr: spec.cidr, bridgePorts: spec.ports, autostart: true, comments: marker });
      } catch (err) {
        if (!(err instanceof ProxmoxAlreadyExistsError)) throw err;
      }
    }
    // Present but inactive means pending configuration (ours from a cut-off attempt, or someone else's): apply it.
    const reloadMs = await applyNetwork(client, cfg.node);
    const after = await findInterface(client, cfg.node, spec.name);
    if (!after || !truthy(after.active)) {
      throw checkFailed(`bridge ${spec.name} on ${cfg.node} is not active after the network reload: check the node's network log`);
    }
    return {
      status: 'passed',
      message: `bridge ${spec.name} ${existing ? 'activated' : 'created'} on ${cfg.node}${spec.cidr ? ` with ${spec.cidr}` : ''}`,
      metrics: { reloadMs },
      outputs: { bridge: spec.name, node: cfg.node, created: ours } satisfies z.infer<typeof outputs>,
    };
  });
}

/** Compensation: deletes the bridge again, but only one this run created. */
export async function step2DeleteBridge(input: StepInput, recorded?: z.infer<typeof outputs>): Promise<void> {
  const cfg = input.config.proxmox;
  const spec = cfg.createBridge;
  if (!spec) return;
  await runProxmoxStep(input, 'preferred', async (client) => {
    const existing = await findInterface(client, cfg.node, spec.name);
    const ours = recorded?.created === true || (existing?.comments ?? '').includes(bridgeMarker(input.workflowId));
    if (!existing || !ours) {
      return { status: 'skipped', message: existing ? `${spec.name} was not created by this run; kept` : `${spec.name} is gone` };
    }
    try {
      await client.deleteNetwork(cfg.node, spec.name);
    } catch (err) {
      // The server answers 400 "interface does not exist" when a previous compensation attempt already deleted it.
      const gone = err instanceof ProxmoxValidationError && /does not exist/.test(err.parameterErrors.iface ?? '');
      if (!gone && !(err instanceof ProxmoxNotFoundError)) throw err;
    }
    await applyNetwork(client, cfg.node);
    return { status: 'passed', message: `bridge ${spec.name} deleted from ${cfg.node}` };
  });
}

export const step2CreateBridgeStep = defineStep({
  id: 'step2.create-bridge',
  phase: 'basic-integration',
  group: 'step2-network-storage',
  title: 'Create the VM bridge and apply the network configuration',
  blocking: true,
  startToCloseSeconds: 300,
  includedWhen: (config) => config.proxmox.createBridge !== undefined,
  outputs,
  run: step2CreateBridge,
  // Deletes only a bridge this run made; the network reload it applies is waited for up to 120 s.
  undo: { when: 'on-failure', startToCloseSeconds: 300, run: step2DeleteBridge },
});
