// The sandbox host's `kubeadm`: the subcommands a worker join uses (version, join, join phase preflight, reset),
// performed against the real API server the way kubeadm performs them. Output and exit codes follow kubeadm's.
import { KUBERNETES_VERSION } from '../../kubernetes/control-plane';
import { KubeadmError, parseArgs } from './args';
import { hostPaths } from './host-paths';
import { join, joinPreflight } from './join';
import { reset } from './reset';

const HOST_ROOT_ENV = 'COZY_SANDBOX_HOST_ROOT';

function versionText(output: string | undefined): string {
  const [major, minor] = KUBERNETES_VERSION.replace(/^v/, '').split('.');
  if (output === 'short') return KUBERNETES_VERSION;
  if (output === 'json') return JSON.stringify({ clientVersion: { major, minor, gitVersion: KUBERNETES_VERSION, platform: 'linux/amd64' } });
  return `kubeadm version: &version.Info{Major:"${major}", Minor:"${minor}", GitVersion:"${KUBERNETES_VERSION}", GoVersion:"", Compiler:"gc", Platform:"linux/amd64"}`;
}

async function run(argv: string[]): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const args = parseArgs(argv);
  const [command, ...rest] = args.positional;
  const root = process.env[HOST_ROOT_ENV];
  if (command === 'version') {
    log(versionText(args.flags.get('o') ?? args.flags.get('output')));
    return;
  }
  if (!root) throw new KubeadmError(`${HOST_ROOT_ENV} is not set: this stand-in runs only on the sandbox host`);
  const paths = hostPaths(root);
  if (command === 'join' && rest[0] === 'phase') {
    if (rest[1] !== 'preflight') throw new KubeadmError(`unknown join phase "${rest[1] ?? ''}" (the sandbox supports: preflight)`);
    await joinPreflight(args, rest[2], paths, log);
    return;
  }
  if (command === 'join') return join(args, rest[0], paths, log);
  if (command === 'reset') return reset(args, paths, log);
  throw new KubeadmError(`unknown command "${command ?? ''}" for "kubeadm" (the sandbox stand-in supports: version, join, join phase preflight, reset)`);
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    const phase = err instanceof KubeadmError && err.phase ? `error execution phase ${err.phase}: ` : 'error: ';
    process.stderr.write(`${phase}${err instanceof Error ? err.message : String(err)}\nTo see the stack trace of this error execute with --v=5 or higher\n`);
    process.exit(1);
  },
);
