// The CA bundle a chart's in-cluster Proxmox client (the CSI controller, the exporter) trusts besides the system
// roots: built from the same proxmox.tls settings the worker itself uses.
import type { IntegrationConfig } from '../../config/schema';
import { FingerprintMismatchError, tlsModeFromSettings, type TlsMode } from '../../proxmox/tls';
import { trustBundle } from '../../proxmox/trust-bundle';
import { fail, FailureType } from '../common/failures';

export async function proxmoxCaBundle(proxmox: IntegrationConfig['proxmox'], forWhom: string): Promise<{ tls: TlsMode; caBundle: string | undefined }> {
  const tls = tlsModeFromSettings(proxmox.tls);
  const caBundle = await trustBundle(tls, proxmox.url).catch((err: unknown) => {
    // A certificate that is not the pinned one, or a CA file that cannot be read, is for the operator to fix; a
    // server that did not answer the handshake is retried like any other call.
    if (err instanceof FingerprintMismatchError || (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') {
      throw fail(FailureType.Validation, `cannot build the CA bundle ${forWhom} needs from proxmox.tls: ${(err as Error).message}`);
    }
    throw err;
  });
  return { tls, caBundle };
}
