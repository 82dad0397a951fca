// The tools on the sandbox host's PATH:
// - `kubeadm`: the real kubeadm (built by `npm run tools`), run in a private mount namespace where /etc/kubernetes
//   and /var/lib/kubelet are this host's folders under `root` and /proc/sys/net/ipv4/ip_forward reads 1 (a Proxmox
//   host forwards; this machine's own setting stays as it is). /etc and /var/lib are overlays whose changes land in
//   the sandbox directory, so nothing kubeadm writes or deletes reaches this machine's own files.
// - `systemctl`: the kubelet service only, which runs the stand-in kubelet (kubelet/main.ts); kubeadm starts, stops
//   and asks after it through systemctl as on a systemd host.
// - `kubelet`: the stand-in kubelet, run with this Node.js. From the compiled project it runs the JavaScript; from
//   the sources (tests) a small loader transpiles the TypeScript on the fly.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../../../../src/tools/tool-paths';
import { shellQuote } from '../../../../src/ssh/shell-quote';
import type { SandboxHostLayout } from './layout';
import { standinStateFile } from './kubelet/host-paths';

/** Environment variable naming the directory that plays the host's filesystem root. */
export const HOST_ROOT_ENV = 'COZY_SANDBOX_HOST_ROOT';

function typescriptLoader(): string {
  return [
    '// Loads TypeScript sources without a build: transpiled per file, no type checking.',
    "const { readFileSync } = require('node:fs');",
    `const ts = require(${JSON.stringify(require.resolve('typescript'))});`,
    "require.extensions['.ts'] = function load(module, filename) {",
    "  const source = readFileSync(filename, 'utf8');",
    '  const { outputText } = ts.transpileModule(source, {',
    '    fileName: filename,',
    '    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },',
    '  });',
    '  module._compile(outputText, filename);',
    '};',
    '',
  ].join('\n');
}

function script(path: string, lines: string[]): void {
  writeFileSync(path, [...lines, ''].join('\n'));
  chmodSync(path, 0o755);
}

function kubeletCommand(layout: SandboxHostLayout): string[] {
  const fromSources = __filename.endsWith('.ts');
  const main = join(__dirname, 'kubelet', fromSources ? 'main.ts' : 'main.js');
  const nodeArgs = [process.execPath];
  if (fromSources) {
    const loader = join(layout.bin, '.ts-loader.js');
    writeFileSync(loader, typescriptLoader());
    nodeArgs.push('-r', loader);
  }
  return [...nodeArgs, main];
}

/** The mounts of kubeadm's namespace, then the real kubeadm; a finished reset is noted in the host's history. */
function kubeadmNamespaceScript(layout: SandboxHostLayout, kubeadm: string): string[] {
  const ns = layout.namespaceDir;
  const q = shellQuote;
  const overlay = (target: string, name: string, inner: string) => [
    `mkdir -p ${q(join(ns, name, 'upper', inner))} ${q(join(ns, name, 'work'))}`,
    `mount -t overlay cozy-sandbox-${name} -o lowerdir=${target},upperdir=${q(join(ns, name, 'upper'))},workdir=${q(join(ns, name, 'work'))} ${target}`,
  ];
  return [
    '#!/bin/sh',
    '# Runs inside `unshare --mount`: the sandbox host\'s view of /etc/kubernetes and /var/lib/kubelet, then kubeadm.',
    'set -e',
    `mkdir -p ${q(layout.kubernetesDir)} ${q(layout.kubeletDir)}`,
    ...overlay('/etc', 'etc', 'kubernetes'),
    `mount --bind ${q(layout.kubernetesDir)} /etc/kubernetes`,
    ...overlay('/var/lib', 'var-lib', 'kubelet'),
    `mount --bind ${q(layout.kubeletDir)} /var/lib/kubelet`,
    `printf '1\\n' > ${q(join(ns, 'ip_forward'))}`,
    `mount --bind ${q(join(ns, 'ip_forward'))} /proc/sys/net/ipv4/ip_forward`,
    'set +e',
    `${q(kubeadm)} "$@"`,
    'rc=$?',
    `if [ "$rc" = 0 ] && [ "$1" = reset ]; then mkdir -p ${q(join(layout.root, 'var', 'lib', 'cozy-sandbox'))}; echo "reset $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> ${q(standinStateFile(layout.root))}; fi`,
    'exit $rc',
  ];
}

function systemctlScript(layout: SandboxHostLayout): string[] {
  const q = shellQuote;
  return [
    '#!/bin/sh',
    '# systemctl of the cozy-proxmox sandbox host: one service, kubelet, which runs the stand-in kubelet.',
    `PIDFILE=${q(layout.kubeletPidFile)}`,
    `LOG=${q(layout.kubeletLog)}`,
    `KUBELET=${q(join(layout.bin, 'kubelet'))}`,
    'running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }',
    'stop() {',
    '  if running; then',
    '    pid=$(cat "$PIDFILE"); kill "$pid"',
    '    i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
    '    kill -9 "$pid" 2>/dev/null',
    '  fi',
    '  rm -f "$PIDFILE"',
    '}',
    'start() { running && return 0; setsid "$KUBELET" >>"$LOG" 2>&1 </dev/null & echo $! > "$PIDFILE"; }',
    'cmd=$1; shift',
    'now=""; if [ "$1" = --now ]; then now=1; shift; fi',
    'unit=${1%.service}',
    'if [ -n "$unit" ] && [ "$unit" != kubelet ]; then',
    '  case "$cmd" in is-active|is-enabled) echo inactive; exit 3;; status) echo "Unit $unit.service could not be found."; exit 4;; esac',
    '  echo "Failed to $cmd $unit.service: Unit $unit.service not found." >&2; exit 5',
    'fi',
    'case "$cmd" in',
    '  daemon-reload|disable) ;;',
    '  enable) if [ -n "$now" ]; then start; fi ;;',
    '  start) start ;;',
    '  restart) stop; start ;;',
    '  stop) stop ;;',
    '  is-active) if running; then echo active; else echo inactive; exit 3; fi ;;',
    '  is-enabled) echo enabled ;;',
    '  status)',
    '    echo "* kubelet.service - kubelet: The Kubernetes Node Agent (cozy-proxmox sandbox stand-in)"',
    '    echo "     Loaded: loaded"',
    '    if running; then echo "     Active: active (running)"; else echo "     Active: inactive (dead)"; exit 3; fi ;;',
    '  *) echo "systemctl of the sandbox host: $cmd is not supported" >&2; exit 1 ;;',
    'esac',
    'exit 0',
  ];
}

export function installStandinTools(layout: SandboxHostLayout): void {
  mkdirSync(layout.bin, { recursive: true });
  const q = shellQuote;
  const rootEnv = [`${HOST_ROOT_ENV}=${q(layout.root)}`, `export ${HOST_ROOT_ENV}`];
  // The host root also goes on the command line, so `ps` (and a check for left-over processes) ties it to the sandbox.
  script(join(layout.bin, 'kubelet'), ['#!/bin/sh', '# kubelet stand-in of the cozy-proxmox sandbox host (kwok plays its pods)', ...rootEnv, `exec ${kubeletCommand(layout).map(q).join(' ')} --sandbox-host-root=${q(layout.root)} "$@"`]);
  script(join(layout.bin, 'systemctl'), systemctlScript(layout));
  const nsScript = join(layout.bin, '.kubeadm-namespace.sh');
  script(nsScript, kubeadmNamespaceScript(layout, toolPath('KUBEADM', 'kubernetes')));
  // Root may mount in a new mount namespace; another user needs a user namespace where it is root.
  const unshare = process.getuid?.() === 0 ? 'unshare --mount --propagation private' : 'unshare --user --map-root-user --mount --propagation private';
  script(join(layout.bin, 'kubeadm'), ['#!/bin/sh', '# kubeadm of the cozy-proxmox sandbox host: the real kubeadm in a mount namespace (see .kubeadm-namespace.sh)', ...rootEnv, `exec ${unshare} /bin/sh ${q(nsScript)} "$@"`]);
}
