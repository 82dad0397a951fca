// Runs a command in a pod's container through the Kubernetes API (the exec subresource over a WebSocket, as
// `kubectl exec` does) and returns its exit code and output. Used for traffic probes and data checks on a real
// cluster; sandbox pods (kwok) have no container to run anything in.
import { PassThrough } from 'node:stream';
import type { KubeClient } from '../../kubernetes/client';
import { kubernetesClientModule } from '../../kubernetes/module';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

interface ExecStatus {
  status?: string;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** The exit code the API reports: Success is 0, a NonZeroExitCode carries it in details.causes[ExitCode]. */
export function exitCodeOf(status: ExecStatus): number {
  if (status.status === 'Success') return 0;
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  return code !== undefined && /^\d+$/.test(code) ? Number(code) : -1;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function execInPod(
  kube: KubeClient,
  target: { namespace: string; pod: string; container: string },
  command: string[],
  timeoutMs: number,
): Promise<ExecResult> {
  const k8s = await kubernetesClientModule();
  const exec = new k8s.Exec(kube.kc);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const started = Date.now();
  return new Promise<ExecResult>((resolve, reject) => {
    let socket: { close(): void } | undefined;
    const timer = setTimeout(() => {
      socket?.close();
      reject(Object.assign(new Error(`exec in ${target.namespace}/${target.pod} did not finish within ${Math.round(timeoutMs / 1000)} s: ${command.join(' ')}`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    exec
      .exec(target.namespace, target.pod, target.container, command, stdout, stderr, null, false, (status) => {
        clearTimeout(timer);
        // The status arrives before the last output frames are flushed into the streams: let them drain.
        setImmediate(() => resolve({ exitCode: exitCodeOf(status as ExecStatus), stdout: out(), stderr: err(), ms: Date.now() - started }));
      })
      .then((ws) => {
        socket = ws;
      })
      .catch((e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      });
  });
}
