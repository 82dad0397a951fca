// Logging in the sandbox: a real VictoriaLogs (single node: storage, insert and select in one process, CozyStack's
// logging stack) and the real vlagent collecting the container logs of the pods that run as processes (the operator
// writes them as a kubelet does: operator/container-log.ts). Both on 127.0.0.1 only, their files under the sandbox:
//   <dir>/monitoring/victoria-logs-data   the log storage
//   <dir>/monitoring/vlagent              vlagent's read positions and its send queue
//   <dir>/logs/{victoria-logs,vlagent}.log
// vlagent runs outside the cluster: it reads the API with KUBECONFIG (its documented way outside a pod), collects the
// pods of the first node (the sandbox's node, where kwok places them) and names their lines by the fields of its
// Kubernetes collector: kubernetes.pod_namespace, kubernetes.pod_name, kubernetes.container_name.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../../../../src/tools/tool-paths';
import { freePort, isAlive, spawnDaemon, stopProcess, waitForPort } from '../processes';
import { waitForHttpOk } from './http-wait';

/** The programs, by tools.env key and `npm run tools` name. */
const VICTORIA_LOGS = ['VICTORIA_LOGS', 'victoria-logs'] as const;
const VLAGENT = ['VLAGENT', 'vlagent'] as const;
export const LOGGING_TOOLS = [VICTORIA_LOGS, VLAGENT] as const;

export interface SandboxLoggingOptions {
  /** The kubeconfig vlagent reads pods and nodes with. */
  kubeconfig: string;
  /** The node's container log folder the operator writes (a kubelet's /var/log/containers). */
  containerLogsDir: string;
  onProgress?: (message: string) => void;
}

export interface SandboxLogging {
  /** http://127.0.0.1:PORT: VictoriaLogs' query API (/select/logsql/...), what monitoring.logs names. */
  logsUrl: string;
  pids: { victoriaLogs: number; vlagent: number };
  stop(): Promise<void>;
}

export async function startSandboxLogging(dir: string, opts: SandboxLoggingOptions): Promise<SandboxLogging> {
  const say = opts.onProgress ?? (() => undefined);
  const logsDir = join(dir, 'logs');
  const data = join(dir, 'monitoring', 'victoria-logs-data');
  const agentData = join(dir, 'monitoring', 'vlagent');
  for (const d of [logsDir, data, agentData, opts.containerLogsDir]) mkdirSync(d, { recursive: true });
  const files = { victoriaLogs: join(logsDir, 'victoria-logs.log'), vlagent: join(logsDir, 'vlagent.log') };
  const started: number[] = [];
  try {
    const port = await freePort();
    const logsUrl = `http://127.0.0.1:${port}`;
    say(`starting VictoriaLogs on 127.0.0.1:${port} (data in ${data})`);
    const victoriaLogs = spawnDaemon(toolPath(...VICTORIA_LOGS), [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${data}`, '-loggerLevel=WARN'], files.victoriaLogs);
    started.push(victoriaLogs);
    await waitForPort(port, `VictoriaLogs (see ${files.victoriaLogs})`, 30_000, victoriaLogs);
    await waitForHttpOk(`${logsUrl}/health`, 'VictoriaLogs', 15_000);

    const agentPort = await freePort();
    say(`starting vlagent collecting the container logs in ${opts.containerLogsDir} into VictoriaLogs`);
    const vlagent = spawnDaemon(
      toolPath(...VLAGENT),
      [
        `-httpListenAddr=127.0.0.1:${agentPort}`,
        '-kubernetesCollector',
        `-kubernetesCollector.logsPath=${opts.containerLogsDir}`,
        `-tmpDataPath=${agentData}`,
        `-remoteWrite.url=${logsUrl}/insert/native`,
        '-loggerLevel=WARN',
      ],
      files.vlagent,
      { ...process.env, KUBECONFIG: opts.kubeconfig },
    );
    started.push(vlagent);
    await waitForPort(agentPort, `vlagent (see ${files.vlagent})`, 30_000, vlagent);
    const pids = { victoriaLogs, vlagent };
    return {
      logsUrl,
      pids,
      stop: async () => {
        await stopProcess(pids.vlagent);
        await stopProcess(pids.victoriaLogs);
      },
    };
  } catch (err) {
    for (const pid of started.reverse()) await stopProcess(pid);
    throw err;
  }
}

/** True while both processes are alive. */
export function sandboxLoggingRunning(pids: { victoriaLogs: number; vlagent: number }): boolean {
  return isAlive(pids.victoriaLogs) && isAlive(pids.vlagent);
}
