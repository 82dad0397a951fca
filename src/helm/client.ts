// Runs the real helm binary (execFile: no shell) against the configured cluster. Values travel in a temporary file
// readable only by this user and deleted afterwards, so a secret among them is never on a command line; helm's
// output is parsed for the few facts callers need and never passed on whole, since it can echo the values.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { toolPath } from '../tools/tool-paths';
import { assertContextName, assertDnsLabel, assertPath, labelsArg, timeoutArg } from './arguments';
import { classifyHelmFailure, HelmError, HelmTransientError } from './errors';

export interface HelmClientOptions {
  kubeconfig?: string;
  context?: string;
  /** The helm binary; default the one scripts/tools.sh installed (HELM in tools.env). */
  binary?: string;
  /** Texts (secrets) replaced by "***" in every error message. */
  redact?: string[];
  /** Called every `heartbeatMs` while a helm command runs (activity heartbeats on long waits). */
  onHeartbeat?: (what: string, elapsedMs: number) => void;
  heartbeatMs?: number;
  /** Helm's cache, config and data folders; default a folder of its own under the system temp dir. */
  homeDir?: string;
  /** Ends a running helm (SIGTERM, then SIGKILL 10 s later) when aborted: a cancelled step stops its helm. */
  signal?: AbortSignal;
  /** Awaited before each helm command; a throw stops it (the worker policy checks the API server helm would call). */
  beforeCommand?: () => Promise<void>;
}

export interface UpgradeInstallOptions {
  release: string;
  /** Absolute path of a chart folder (see chartPath). */
  chart: string;
  namespace: string;
  values?: Record<string, unknown>;
  /** Wait until Deployments, DaemonSets, StatefulSets, Pods, PVCs and Services are ready. */
  wait?: boolean;
  timeoutSeconds?: number;
  /** Roll a failed upgrade back, or uninstall a failed first install (implies wait). */
  atomic?: boolean;
  createNamespace?: boolean;
  /** Labels on the release record (not on the objects); read back with releaseLabels. */
  labels?: Record<string, string>;
}

export interface ReleaseInfo {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chart: string;
  chartVersion: string;
  appVersion: string;
}

/** One revision of a release, as `helm history` lists it. */
export interface ReleaseRevision {
  revision: number;
  /** When the revision was last written (ms since the epoch). */
  updatedAt: number;
  status: string;
  description: string;
}

export interface LintResult {
  ok: boolean;
  messages: string[];
}

const MAX_OUTPUT = 32 * 1024 * 1024;

interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class HelmClient {
  private readonly binary: string;

  constructor(private readonly opts: HelmClientOptions = {}) {
    this.binary = opts.binary ?? toolPath('HELM', 'kubernetes');
    if (opts.kubeconfig) assertPath('kubeconfig', opts.kubeconfig);
    if (opts.context) assertContextName(opts.context);
  }

  /** Installs the release or upgrades it to this chart and these values (idempotent). */
  async upgradeInstall(o: UpgradeInstallOptions): Promise<ReleaseInfo> {
    assertDnsLabel('release name', o.release);
    assertDnsLabel('namespace', o.namespace);
    assertPath('chart', o.chart);
    const timeoutSeconds = o.timeoutSeconds ?? 300;
    return this.withValuesFile(o.values ?? {}, async (valuesFile) => {
      const args = [
        'upgrade', '--install', o.release, o.chart,
        `--namespace=${o.namespace}`,
        `--values=${valuesFile}`,
        timeoutArg(timeoutSeconds),
        ...(o.createNamespace === false ? [] : ['--create-namespace']),
        ...(o.wait ? ['--wait'] : []),
        ...(o.atomic ? ['--atomic'] : []),
      ];
      const labels = labelsArg(o.labels ?? {});
      if (labels) args.push(labels);
      await this.run(args, `upgrade --install ${o.release}`, (timeoutSeconds + 60) * 1000);
      const info = await this.status(o.release, o.namespace);
      if (!info) throw new HelmTransientError(`helm upgrade --install ${o.release}: release not found right after it was installed`);
      return info;
    });
  }

  /** The deployed release, or undefined when there is none. */
  async status(release: string, namespace: string): Promise<ReleaseInfo | undefined> {
    assertDnsLabel('release name', release);
    assertDnsLabel('namespace', namespace);
    const result = await this.run(['get', 'metadata', release, `--namespace=${namespace}`, '--output=json'], `get metadata ${release}`, 60_000, true);
    if (result.code !== 0) {
      if (/release: not found/i.test(result.stderr)) return undefined;
      throw this.failure(`get metadata ${release}`, result.stderr);
    }
    const meta = JSON.parse(result.stdout) as {
      name: string; namespace: string; revision: number; status: string; chart: string; version: string; appVersion?: string;
    };
    return {
      name: meta.name,
      namespace: meta.namespace,
      revision: meta.revision,
      status: meta.status,
      chart: meta.chart,
      chartVersion: meta.version,
      appVersion: meta.appVersion ?? '',
    };
  }

  /** The release's revisions, oldest first; empty when there is no release. */
  async history(release: string, namespace: string): Promise<ReleaseRevision[]> {
    assertDnsLabel('release name', release);
    assertDnsLabel('namespace', namespace);
    const result = await this.run(['history', release, `--namespace=${namespace}`, '--output=json', '--max=20'], `history ${release}`, 60_000, true);
    if (result.code !== 0) {
      if (/release: not found/i.test(result.stderr)) return [];
      throw this.failure(`history ${release}`, result.stderr);
    }
    const rows = JSON.parse(result.stdout) as { revision: number; updated: string; status: string; description?: string }[];
    return rows.map((r) => ({ revision: r.revision, updatedAt: Date.parse(r.updated), status: r.status, description: r.description ?? '' }));
  }

  /** Rolls the release back to a revision (without waiting for its workloads: the next upgrade waits for its own). */
  async rollback(release: string, namespace: string, revision: number, timeoutSeconds = 300): Promise<void> {
    assertDnsLabel('release name', release);
    assertDnsLabel('namespace', namespace);
    if (!Number.isInteger(revision) || revision < 1) throw new HelmError(`revision ${revision} is not a positive integer`);
    await this.run(['rollback', release, String(revision), `--namespace=${namespace}`, timeoutArg(timeoutSeconds)], `rollback ${release}`, (timeoutSeconds + 60) * 1000);
  }

  /** Uninstalls the release and waits for its objects to go; a release that does not exist is a success. */
  async uninstall(release: string, namespace: string, timeoutSeconds = 300): Promise<'uninstalled' | 'absent'> {
    assertDnsLabel('release name', release);
    assertDnsLabel('namespace', namespace);
    const args = ['uninstall', release, `--namespace=${namespace}`, '--wait', timeoutArg(timeoutSeconds)];
    const result = await this.run(args, `uninstall ${release}`, (timeoutSeconds + 60) * 1000, true);
    if (result.code === 0) return 'uninstalled';
    if (/release: not found|not found/i.test(result.stderr) && /uninstall/i.test(result.stderr)) return 'absent';
    throw this.failure(`uninstall ${release}`, result.stderr);
  }

  /** `helm lint --strict`-free lint of a chart with these values; errors (schema included) make ok false. */
  async lint(chart: string, values: Record<string, unknown> = {}): Promise<LintResult> {
    assertPath('chart', chart);
    return this.withValuesFile(values, async (valuesFile) => {
      // Local, like template: helm calls no cluster, so beforeCommand (a check of the cluster) is not asked.
      const result = await this.exec(['lint', chart, `--values=${valuesFile}`], 'lint', 120_000, true);
      const messages = `${result.stdout}\n${result.stderr}`
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^\[(ERROR|WARNING|INFO)\]|^Error/.test(l))
        .map((l) => this.redact(l));
      return { ok: result.code === 0, messages };
    });
  }

  /** Renders a chart locally; `apiVersions` adds APIs the render may assume the cluster serves. */
  async template(o: { release: string; chart: string; namespace: string; values?: Record<string, unknown>; apiVersions?: string[] }): Promise<string> {
    assertDnsLabel('release name', o.release);
    assertDnsLabel('namespace', o.namespace);
    assertPath('chart', o.chart);
    return this.withValuesFile(o.values ?? {}, async (valuesFile) => {
      const args = ['template', o.release, o.chart, `--namespace=${o.namespace}`, `--values=${valuesFile}`];
      for (const api of o.apiVersions ?? []) {
        if (!/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+){1,2}$/.test(api)) throw new HelmError(`API version "${api}" is not GROUP/VERSION[/KIND]`);
        args.push(`--api-versions=${api}`);
      }
      return (await this.exec(args, `template ${o.release}`, 120_000, false)).stdout;
    });
  }

  private async withValuesFile<T>(values: Record<string, unknown>, body: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'cozy-helm-values-'));
    const file = join(dir, 'values.yaml');
    try {
      await writeFile(file, stringify(values), { mode: 0o600 });
      return await body(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private globalArgs(): string[] {
    const args: string[] = [];
    if (this.opts.kubeconfig) args.push(`--kubeconfig=${this.opts.kubeconfig}`);
    if (this.opts.context) args.push(`--kube-context=${this.opts.context}`);
    return args;
  }

  private env(): NodeJS.ProcessEnv {
    const home = this.opts.homeDir ?? join(tmpdir(), `cozy-helm-${process.getuid?.() ?? 'user'}`);
    return {
      ...process.env,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    };
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.opts.redact ?? []) if (secret) out = out.split(secret).join('***');
    return out;
  }

  private failure(what: string, stderr: string): HelmError {
    const err = classifyHelmFailure(what, this.redact(stderr));
    err.message = this.redact(err.message);
    return err;
  }

  /** Runs a helm command that calls the cluster; a non-zero exit throws a classified error unless `allowFailure`. */
  private async run(args: string[], what: string, timeoutMs: number, allowFailure = false): Promise<RunResult> {
    await this.opts.beforeCommand?.();
    return this.exec(args, what, timeoutMs, allowFailure);
  }

  /** Runs helm; a non-zero exit throws a classified error unless `allowFailure`. */
  private exec(args: string[], what: string, timeoutMs: number, allowFailure: boolean): Promise<RunResult> {
    const started = Date.now();
    const beat = this.opts.onHeartbeat;
    const timer = beat ? setInterval(() => beat(what, Date.now() - started), this.opts.heartbeatMs ?? 10_000) : undefined;
    return new Promise<RunResult>((resolve, reject) => {
      const signal = this.opts.signal;
      let kill: NodeJS.Timeout | undefined;
      const child = execFile(this.binary, [...args, ...this.globalArgs()], { env: this.env(), timeout: timeoutMs, maxBuffer: MAX_OUTPUT }, (error, stdout, stderr) => {
        if (timer) clearInterval(timer);
        clearTimeout(kill);
        signal?.removeEventListener('abort', onAbort);
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (signal?.aborted) {
          reject(new HelmTransientError(`helm ${what} was stopped: the step was cancelled`));
          return;
        }
        if (error && code === -1) {
          reject(new HelmTransientError(`helm ${what} did not finish: ${error.killed ? `killed after ${timeoutMs} ms` : this.redact(error.message)}`));
          return;
        }
        if (code !== 0 && !allowFailure) {
          reject(this.failure(what, stderr));
          return;
        }
        resolve({ stdout, stderr, code });
      });
      // A cancelled step ends its helm with SIGTERM (helm then records the release's state) and settles only once
      // helm has exited, so nothing still runs when the undo starts; a helm that ignores SIGTERM is killed.
      function onAbort() {
        child.kill('SIGTERM');
        kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      }
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
