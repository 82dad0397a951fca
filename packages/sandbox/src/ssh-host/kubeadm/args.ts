// kubeadm's command line: positional words and --flag value / --flag=value pairs; -f and --force are switches.
export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string>;
  switches: Set<string>;
}

const SWITCHES = new Set(['f', 'force', 'skip-phases-none', 'dry-run']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.set(body.slice(0, eq), body.slice(eq + 1));
    } else if (SWITCHES.has(body)) {
      switches.add(body);
    } else if (i + 1 < argv.length) {
      flags.set(body, argv[++i]);
    } else {
      throw new KubeadmError(`flag needs an argument: --${body}`);
    }
  }
  return { positional, flags, switches };
}

/** A failure kubeadm reports on stderr with exit code 1. */
export class KubeadmError extends Error {
  constructor(
    message: string,
    readonly phase?: string,
  ) {
    super(message);
    this.name = 'KubeadmError';
  }
}
