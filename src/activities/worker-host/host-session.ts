// The SSH side of the worker steps: the private key resolved from its reference inside the activity, a connection
// with the host key pinned, and SSH errors turned into classified failures (a changed host key or a refused key is
// not retried; a refused connection is).
import { ApplicationFailure } from '@temporalio/common';
import type { IntegrationConfig } from '../../config/schema';
import { SshClient, type ExecResult } from '../../ssh/client';
import { sshErrorToFailure } from './ssh-failure';
import { cancellationSignal } from '../common/activity-context';
import { clientFactories } from '../common/clients';
import { resolveSecret } from '../common/secrets';
import type { WorkerSsh } from './settings';

export async function withHost<T>(config: IntegrationConfig, ssh: WorkerSsh, body: (client: SshClient) => Promise<T>): Promise<T> {
  const privateKey = await resolveSecret(ssh.privateKey, { kubeconfig: config.kubernetes.kubeconfig, context: config.kubernetes.context });
  let client: SshClient;
  try {
    client = await clientFactories().ssh({
      host: ssh.host,
      port: ssh.port,
      user: ssh.user,
      privateKey,
      hostKeyFingerprint: ssh.hostKeyFingerprint,
      signal: cancellationSignal(),
    });
  } catch (err) {
    throw sshErrorToFailure(err, `SSH to ${ssh.user}@${ssh.host}:${ssh.port}`);
  }
  try {
    return await body(client);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    if (err instanceof Error && /^Ssh/.test(err.name)) throw sshErrorToFailure(err, `on ${ssh.host}`);
    throw err;
  } finally {
    client.close();
  }
}

/** kubeadm needs root: a non-root login runs it through sudo without a password prompt. */
export function asRoot(ssh: WorkerSsh, argv: string[]): string[] {
  return ssh.user === 'root' ? argv : ['sudo', '-n', ...argv];
}

export function succeeded(result: ExecResult): boolean {
  return result.exitCode === 0;
}
