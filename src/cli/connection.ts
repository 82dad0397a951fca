// Temporal connection settings shared by every command that talks to the server.
import type { Command } from 'commander';
import { connectClient, type CozyClient, type TemporalOptions } from '../client';
import { CliError } from './errors';

export function addTemporalOptions(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'Temporal frontend address (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--task-queue <name>', 'task queue of the workers (env TEMPORAL_TASK_QUEUE, default "cozy-proxmox")');
}

export function temporalOptionsFrom(opts: Record<string, unknown>): TemporalOptions {
  return {
    address: opts.address as string | undefined,
    namespace: opts.namespace as string | undefined,
    taskQueue: opts.taskQueue as string | undefined,
  };
}

/** Connects, runs fn, always closes; an unreachable server becomes a clear failure. */
export async function withClient<T>(opts: Record<string, unknown>, fn: (c: CozyClient) => Promise<T>): Promise<T> {
  let cozy: CozyClient;
  const options = temporalOptionsFrom(opts);
  try {
    cozy = await connectClient(options);
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${options.address ?? process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'}: ${(err as Error).message}` +
        '\n  start one with `cozy-proxmox sandbox up`, or pass --address / set TEMPORAL_ADDRESS',
    );
  }
  try {
    return await fn(cozy);
  } finally {
    await cozy.close();
  }
}
