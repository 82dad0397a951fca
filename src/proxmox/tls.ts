// How the client trusts the server. Proxmox VE ships a self-signed CA per cluster, so operators either hand us that
// CA (caFile), pin the certificate's SHA-256 fingerprint (what the web UI shows), or, when they ask for it
// explicitly, skip verification; the client then reports that it did.
import { readFileSync } from 'node:fs';
import { Agent, AgentOptions, RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { FINGERPRINT_MISMATCH } from './error-mapping';

export type TlsMode =
  | { kind: 'verify'; caFile?: string }
  | { kind: 'fingerprint'; sha256: string }
  | { kind: 'insecure' };

export interface TlsSettings {
  verify?: boolean;
  caFile?: string;
  fingerprint?: string;
}

/** A pinned fingerprint is the stronger statement, so it wins over `verify: false`. */
export function tlsModeFromSettings(tls: TlsSettings | undefined): TlsMode {
  if (tls?.fingerprint) return { kind: 'fingerprint', sha256: tls.fingerprint };
  if (tls?.verify === false) return { kind: 'insecure' };
  return { kind: 'verify', caFile: tls?.caFile };
}

export function normaliseFingerprint(text: string): string {
  return text.replace(/[^0-9a-f]/gi, '').toUpperCase();
}

export class FingerprintMismatchError extends Error {
  readonly code = FINGERPRINT_MISMATCH;
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`server certificate fingerprint ${actual || '(none)'} does not match the pinned ${expected}`);
    this.name = 'FingerprintMismatchError';
  }
}

/**
 * Chain verification is replaced, not dropped: the handshake completes without a CA, then the leaf certificate's
 * SHA-256 fingerprint is compared before the socket is handed to HTTP, so no request byte reaches a server whose
 * certificate is not the pinned one.
 */
class FingerprintPinningAgent extends Agent {
  private readonly expected: string;

  constructor(fingerprint: string, options: AgentOptions) {
    // Session resumption would skip the certificate exchange that the check relies on.
    super({ ...options, rejectUnauthorized: false, maxCachedSessions: 0 });
    this.expected = normaliseFingerprint(fingerprint);
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options) as TLSSocket;
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      socket.removeListener('error', onError);
      if (err) socket.destroy();
      callback?.(err, socket);
    };
    const onError = (err: Error) => settle(err);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      const actual = normaliseFingerprint(socket.getPeerCertificate()?.fingerprint256 ?? '');
      settle(actual === this.expected ? null : new FingerprintMismatchError(formatPair(this.expected), formatPair(actual)));
    });
    return undefined;
  }
}

function formatPair(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1:');
}

export interface AgentSettings {
  keepAlive?: boolean;
  maxSockets?: number;
}

export function createHttpsAgent(mode: TlsMode, settings: AgentSettings = {}): Agent {
  const base: AgentOptions = { keepAlive: settings.keepAlive ?? true, maxSockets: settings.maxSockets ?? 32 };
  switch (mode.kind) {
    case 'verify':
      return new Agent({ ...base, rejectUnauthorized: true, ca: mode.caFile ? readFileSync(mode.caFile) : undefined });
    case 'fingerprint':
      return new FingerprintPinningAgent(mode.sha256, base);
    case 'insecure':
      return new Agent({ ...base, rejectUnauthorized: false });
  }
}
