// Temporal connection settings shared by every command that talks to the server, and the payload codec key that
// reads (and writes) encrypted runs.
// The client module (and with it Temporal's SDK) is loaded only by commands that connect: `config validate`,
// `--help` and the rest start in a fraction of the time.
import type { Command } from 'commander';
import type * as ClientApi from '../client';
import type { CozyClient, TemporalOptions } from '../client';
import { CodecKeyError, findCodecError } from '../codec/errors';
import { KEY_FILE_ENV, KEY_REF_ENV, type CodecOptions } from '../codec/key-source';
import { BadInputError, CliError } from './errors';
import { temporalTls, TemporalTlsError, TLS_ENV } from '../temporal-tls';

export type { ClientApi };

export function addTemporalOptions(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'Temporal frontend address (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--task-queue <name>', 'task queue of the workers (env TEMPORAL_TASK_QUEUE, default "cozy-proxmox")')
    .option('--codec-key-file <file>', `payload codec key file: encrypt/decrypt run data (env ${KEY_FILE_ENV}; default off)`)
    .option('--codec-key <ref>', `payload codec keys by reference, env:NAME or file:PATH (env ${KEY_REF_ENV})`)
    .option('--tls-cert-path <file>', `client certificate for mTLS to Temporal (env ${TLS_ENV.cert})`)
    .option('--tls-key-path <file>', `its private key (env ${TLS_ENV.key})`)
    .option('--tls-ca-path <file>', `CA certificate the Temporal frontend's certificate is checked against (env ${TLS_ENV.ca})`)
    .option('--tls-server-name <name>', `name the frontend's certificate must carry, when not the address's host (env ${TLS_ENV.serverName})`);
}

export function temporalOptionsFrom(opts: Record<string, unknown>): TemporalOptions & CodecOptions {
  return {
    address: opts.address as string | undefined,
    namespace: opts.namespace as string | undefined,
    taskQueue: opts.taskQueue as string | undefined,
    codecKeyFile: opts.codecKeyFile as string | undefined,
    codecKey: opts.codecKey as string | undefined,
    tls: {
      certPath: opts.tlsCertPath as string | undefined,
      keyPath: opts.tlsKeyPath as string | undefined,
      caPath: opts.tlsCaPath as string | undefined,
      serverName: opts.tlsServerName as string | undefined,
    },
  };
}

/** A codec key that cannot be used is bad input (exit 2); data that does not decrypt is a failure (exit 1). */
export function codecErrorToCli(err: unknown): unknown {
  if (err instanceof TemporalTlsError) return new BadInputError(err.message);
  const codecError = findCodecError(err);
  if (codecError instanceof CodecKeyError) return new BadInputError(codecError.message);
  if (codecError) return new CliError(codecError.message);
  return err;
}

/** Connects, runs fn with the client and the client module's functions, always closes; an unreachable server becomes a clear failure. */
export async function withClient<T>(opts: Record<string, unknown>, fn: (c: CozyClient, api: typeof ClientApi) => Promise<T>): Promise<T> {
  let cozy: CozyClient;
  const options = temporalOptionsFrom(opts);
  const api = await import('../client');
  try {
    cozy = await api.connectClient(options);
  } catch (err) {
    if (findCodecError(err) || err instanceof TemporalTlsError) throw codecErrorToCli(err);
    throw new CliError(
      `cannot reach Temporal at ${options.address ?? process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'}: ${(err as Error).message}` +
        '\n  start one with `cozy-proxmox sandbox up`, or pass --address / set TEMPORAL_ADDRESS' +
        // TLS settings that could not be read have already failed above, as bad input.
        (temporalTls(options.tls)
          ? ''
          : `\n  a server that requires TLS refuses plain connections: --tls-ca-path, --tls-cert-path and --tls-key-path (or ${TLS_ENV.ca}, ${TLS_ENV.cert}, ${TLS_ENV.key})`),
    );
  }
  try {
    return await fn(cozy, api);
  } catch (err) {
    throw codecErrorToCli(err);
  } finally {
    await cozy.close();
  }
}
