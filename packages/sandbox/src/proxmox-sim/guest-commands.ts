// The programs the simulated guest can run through the guest agent's exec (POST .../agent/exec): chiefly
// `cloud-init status`, which CAPMOX runs to learn whether bootstrapping finished, printed as cloud-init 24.4 on Ubuntu
// 24.04 prints it (tabular, --long, --format json|yaml, --wait, and its exit codes: 0, or 2 for "degraded done"), plus
// hostname, cat of a few files, true and false. Anything else is a program the image does not have: the agent then
// fails to spawn it, as qemu-ga does.
import { stringify as toYaml } from 'yaml';

export const UBUNTU_OS_RELEASE = [
  'PRETTY_NAME="Ubuntu 24.04.1 LTS"', 'NAME="Ubuntu"', 'VERSION_ID="24.04"', 'VERSION="24.04.1 LTS (Noble Numbat)"',
  'VERSION_CODENAME=noble', 'ID=ubuntu', 'ID_LIKE=debian', 'HOME_URL="https://www.ubuntu.com/"', 'UBUNTU_CODENAME=noble',
].join('\n');
const CLOUD_INIT_VERSION = '24.4.1-0ubuntu0~24.04.1';
const CLOUD_INIT_USAGE = 'usage: /usr/bin/cloud-init [-h] [--version] [--debug] [--force] [--all-stages] {init,modules,single,query,features,analyze,devel,collect-logs,clean,status,schema} ...\n';
const STATUS_USAGE = 'usage: /usr/bin/cloud-init status [-h] [-l] [-w] [--format {json,tabular,yaml}]\n';

export interface CloudInitView {
  status: 'running' | 'done' | 'disabled';
  /** Done with recoverable errors ("degraded done", exit code 2). */
  degraded: boolean;
  datasource: string | null;
  detail: string;
  warnings: string[];
  /** Epoch milliseconds: boot, and the moment cloud-init finishes. */
  bootedAt: number;
  doneAt: number;
}

export interface GuestView {
  hostname: string;
  /** Realistic seconds are multiplied by this, as task durations are. */
  speed: number;
  cloudInit(at: number): CloudInitView;
}

export interface ProgramResult {
  exitcode: number;
  out: string;
  err: string;
  /** Epoch milliseconds when the process exits. */
  endsAt: number;
}

const STAGES = [
  ['init-local', 0.3, 0.35],
  ['init', 0.4, 0.5],
  ['modules-config', 0.55, 0.6],
  ['modules-final', 0.62, 1],
] as const;

/** cloud-init prints times as time.strftime("%a, %d %b %Y %H:%M:%S %z", gmtime). */
function strftime(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

function statusDocument(v: CloudInitView, at: number): Record<string, unknown> {
  const extended = v.status === 'done' && v.degraded ? 'degraded done' : v.status;
  const recoverable = v.warnings.length ? { WARNING: v.warnings } : {};
  const doc: Record<string, unknown> = {
    boot_status_code: v.status === 'disabled' ? 'disabled-by-generator' : 'enabled-by-generator',
    datasource: v.datasource,
    detail: v.detail,
    errors: [],
    extended_status: extended,
    last_update: strftime(Math.min(at, v.doneAt)),
    recoverable_errors: recoverable,
    stage: null,
    status: v.status,
  };
  if (v.status !== 'disabled') {
    const span = v.doneAt - v.bootedAt;
    for (const [name, from, to] of STAGES) {
      const start = v.bootedAt + span * from;
      const finished = v.bootedAt + span * to;
      if (start > at) continue;
      doc[name] = { errors: [], finished: finished <= at ? finished / 1000 : null, recoverable_errors: name === 'init' ? recoverable : {}, start: start / 1000 };
      if (finished > at) doc.stage = name;
    }
  }
  return Object.fromEntries(Object.entries(doc).sort(([a], [b]) => a.localeCompare(b)));
}

function tabular(v: CloudInitView, at: number, long: boolean): string {
  if (!long) return `status: ${v.status}\n`;
  const doc = statusDocument(v, at);
  const warnings = v.warnings.length ? `\nWARNING:\n${v.warnings.map((w) => `\t- ${w}`).join('\n')}` : ' {}';
  return [
    `status: ${doc.status}`, `extended_status: ${doc.extended_status}`, `boot_status_code: ${doc.boot_status_code}`,
    `last_update: ${doc.last_update}`, `detail: ${doc.detail}`, 'errors: []', `recoverable_errors:${warnings}`,
  ].join('\n') + '\n';
}

function cloudInitStatus(view: GuestView, args: string[], now: number): ProgramResult {
  let long = false;
  let wait = false;
  let format = 'tabular';
  const usageError = (message: string): ProgramResult => ({ exitcode: 2, out: '', err: `${STATUS_USAGE}/usr/bin/cloud-init status: error: ${message}\n`, endsAt: now + 300 * view.speed });
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--long') long = true;
    else if (a === '--wait') wait = true;
    else if (a === '--format' || a.startsWith('--format=')) {
      format = a === '--format' ? args[++i] ?? '' : a.slice('--format='.length);
      if (!['json', 'tabular', 'yaml'].includes(format)) return usageError(`argument --format: invalid choice: '${format}' (choose from 'json', 'tabular', 'yaml')`);
    } else if (/^-[lw]+$/.test(a)) {
      long ||= a.includes('l');
      wait ||= a.includes('w');
    } else return usageError(`unrecognized arguments: ${a}`);
  }
  const started = view.cloudInit(now);
  const endsAt = Math.max(now + 400 * view.speed, wait ? started.doneAt : 0);
  // Without --wait the status is the one at the start; with it, the one cloud-init ends with.
  const at = wait ? endsAt : now;
  const v = wait ? view.cloudInit(endsAt) : started;
  // --wait prints a dot per quarter second of (realistic) waiting, then a newline, then the status.
  const dots = wait ? '.'.repeat(Math.min(1000, Math.max(0, Math.ceil((started.doneAt - now) / (250 * view.speed))))) + '\n' : '';
  let out: string;
  if (format === 'json') out = `${JSON.stringify(statusDocument(v, at), null, 2)}\n`;
  else if (format === 'yaml') out = toYaml(statusDocument(v, at));
  else out = tabular(v, at, long);
  const exitcode = v.status === 'done' && v.degraded ? 2 : 0;
  return { exitcode, out: dots + out, err: '', endsAt };
}

function cloudInit(view: GuestView, args: string[], now: number): ProgramResult {
  if (args[0] === 'status') return cloudInitStatus(view, args.slice(1), now);
  if (args[0] === '--version' || args[0] === '-v') return { exitcode: 0, out: `/usr/bin/cloud-init ${CLOUD_INIT_VERSION}\n`, err: '', endsAt: now + 300 * view.speed };
  const message = args.length ? `argument subcommand: invalid choice: '${args[0]}'` : 'the following arguments are required: subcommand';
  return { exitcode: 2, out: '', err: `${CLOUD_INIT_USAGE}/usr/bin/cloud-init: error: ${message}\n`, endsAt: now + 300 * view.speed };
}

function cat(view: GuestView, args: string[], input: string | undefined, now: number): ProgramResult {
  const files: Record<string, string> = { '/etc/hostname': `${view.hostname}\n`, '/etc/os-release': `${UBUNTU_OS_RELEASE}\n` };
  let out = args.length ? '' : input ?? '';
  let err = '';
  for (const path of args) {
    if (files[path] !== undefined) out += files[path];
    else err += `cat: ${path}: No such file or directory\n`;
  }
  return { exitcode: err ? 1 : 0, out, err, endsAt: now + 10 * view.speed };
}

/** Runs a program by name or path; undefined when the guest has no such program. */
export function runProgram(view: GuestView, argv: string[], input: string | undefined, now: number): ProgramResult | undefined {
  // The path goes to the guest as a C string: it ends at the first NUL.
  const path = (argv[0] ?? '').split('\0')[0];
  const m = /^(?:\/usr)?(?:\/s?bin\/)?([a-z-]+)$/.exec(path);
  const name = m && (path === m[1] || path.startsWith('/')) ? m[1] : undefined;
  const args = argv.slice(1);
  const quick = (exitcode: number, out = ''): ProgramResult => ({ exitcode, out, err: '', endsAt: now + 5 * view.speed });
  switch (name) {
    case 'cloud-init':
      return cloudInit(view, args, now);
    case 'hostname':
      return quick(0, `${view.hostname}\n`);
    case 'cat':
      return cat(view, args, input, now);
    case 'true':
      return quick(0);
    case 'false':
      return quick(1);
    default:
      return undefined;
  }
}
