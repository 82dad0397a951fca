// Runs a program in a network namespace of its own, joined to the machine's loopback through Unix sockets.
// Why: the Cluster API managers bind servers on every interface with no flag to choose (controller-runtime's webhook
// server; CAPMOX's and the IPAM provider's webhook port is fixed at 9443, which two sandboxes on one machine would
// both want). In a namespace of its own, "every interface" is that namespace's loopback only, and each manager has
// its 9443. The program still reaches the loopback ports it is given (the API server, the Proxmox simulator) at the
// same addresses as outside, and the ports it serves are published on the machine's 127.0.0.1 under free ports.
//
//   machine 127.0.0.1:P  <- this process (Unix socket reach-P) <- bridge in the namespace listening on its 127.0.0.1:P
//   machine 127.0.0.1:H  -> this process (Unix socket serve-W) -> bridge -> the program's 127.0.0.1:W in the namespace
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../kubernetes/managed-process';
import { freeLoopbackPorts, LOOPBACK } from '../kubernetes/ports';

export interface NamespacedProgram {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Folder of the sockets, the bridge script and the log (short: Unix socket paths are limited to 107 bytes). */
  dir: string;
  /** Loopback ports of the machine the program connects to. */
  reach: number[];
  /** Ports the program serves inside its namespace, to publish on the machine's loopback. */
  serve: number[];
}

export interface RunningNamespacedProgram {
  process: ManagedProcess;
  /** The machine's 127.0.0.1 port of each served port. */
  published: Map<number, number>;
  stop(): Promise<void>;
}

// The bridge inside the namespace: plain JavaScript, written next to the sockets, run by the same node binary.
// It exits when the program it was started beside (its parent, after `exec`) is gone.
const BRIDGE_SCRIPT = `'use strict';
const net = require('node:net');
const [dir, reach, serve] = process.argv.slice(2);
const fs = require('node:fs');
const pipe = (a, b) => { a.pipe(b); b.pipe(a); a.on('error', () => b.destroy()); b.on('error', () => a.destroy()); };
const listening = [];
const listen = (server, ...at) => listening.push(new Promise((resolve) => server.listen(...at, resolve)));
for (const p of reach.split(',').filter(Boolean)) {
  listen(net.createServer((c) => pipe(c, net.createConnection(dir + '/reach-' + p + '.sock'))), Number(p), '127.0.0.1');
}
for (const p of serve.split(',').filter(Boolean)) {
  const path = dir + '/serve-' + p + '.sock';
  try { fs.unlinkSync(path); } catch {}
  listen(net.createServer((c) => pipe(c, net.createConnection(Number(p), '127.0.0.1'))), path);
}
Promise.all(listening).then(() => fs.writeFileSync(dir + '/bridge.ready', ''));
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500);
`;

function pipe(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}

function listen(server: Server, target: string | number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof target === 'number') server.listen({ host: LOOPBACK, port: target, exclusive: true }, resolve);
    else server.listen(target, resolve);
  });
}

/** Where a pod's programs find their service account (the token, the cluster CA, the namespace). */
export const SERVICE_ACCOUNT_MOUNT = '/run/secrets/kubernetes.io/serviceaccount';

const closeServer = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

export interface WrapOptions {
  /**
   * A folder to show the program at /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt, namespace), as
   * a pod's service account mount: in a mount namespace of its own too, with a tmpfs over /run (/var/run) under it.
   */
  serviceAccountDir?: string;
  /**
   * Folders shown at other paths, as a pod's volume mounts, in that mount namespace: for paths under /tmp only,
   * whose mount points (empty folders) can be made on the machine by anyone; the machine's /tmp stays visible.
   */
  tmpMounts?: { source: string; target: string }[];
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The sockets and published ports of a network namespace, for programs started in it with `wrap`. */
export interface NetworkNamespace {
  /** The machine's 127.0.0.1 port of each served port. */
  published: Map<number, number>;
  /**
   * The command that runs `command args` in a new network namespace (`unshare --net`, as an unprivileged user with a
   * user namespace): lo up, the bridge started and listening (up to 10 s), then the program in its place. Each start
   * of a program is a new namespace; the published ports stay.
   */
  wrap(command: string, args: string[], opts?: WrapOptions): { command: string; args: string[] };
  /** Closes the published ports and the sockets (once the program is gone). */
  close(): Promise<void>;
}

/** Makes the sockets a namespace's bridge joins: the loopback ports it reaches, the ports it serves. */
export async function openNetworkNamespace(spec: Pick<NamespacedProgram, 'dir' | 'reach' | 'serve'>): Promise<NetworkNamespace> {
  rmSync(spec.dir, { recursive: true, force: true });
  mkdirSync(spec.dir, { recursive: true });
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const close = async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map(closeServer));
  };
  try {
    for (const port of spec.reach) {
      const server = createServer((inside) => {
        const outside = createConnection(port, LOOPBACK);
        track(inside);
        track(outside);
        pipe(inside, outside);
      });
      await listen(server, join(spec.dir, `reach-${port}.sock`));
      servers.push(server);
    }
    const published = new Map<number, number>();
    const hostPorts = await freeLoopbackPorts(spec.serve.length);
    for (const [i, port] of spec.serve.entries()) {
      const server = createServer((outside) => {
        const inside = createConnection(join(spec.dir, `serve-${port}.sock`));
        track(inside);
        track(outside);
        pipe(outside, inside);
      });
      await listen(server, hostPorts[i]);
      servers.push(server);
      published.set(port, hostPorts[i]);
    }
    const bridge = join(spec.dir, 'bridge.cjs');
    writeFileSync(bridge, BRIDGE_SCRIPT);
    const unshare = process.getuid?.() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
    const script = [
      'ip link set lo up || exit 1',
      '"$0" "$1" "$2" "$3" "$4" &',
      'i=0; while [ ! -e "$2/bridge.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
      'shift 4',
      'exec "$@"',
    ].join('\n');
    const fixed = [process.execPath, bridge, spec.dir, spec.reach.join(','), spec.serve.join(',')];
    return {
      published,
      wrap: (command, args, opts = {}) => {
        // A new start waits for its own bridge, not the last one's mark.
        rmSync(join(spec.dir, 'bridge.ready'), { force: true });
        const binds = (opts.tmpMounts ?? []).map((m) => {
          if (!m.target.startsWith('/tmp/')) throw new Error(`mount ${m.target}: only paths under /tmp can be mounted here`);
          return `mkdir -p ${shellQuote(m.target)} && mount --bind ${shellQuote(m.source)} ${shellQuote(m.target)} || exit 1`;
        });
        if (opts.serviceAccountDir) {
          binds.push(`mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p ${SERVICE_ACCOUNT_MOUNT} && mount --bind ${shellQuote(opts.serviceAccountDir)} ${SERVICE_ACCOUNT_MOUNT} || exit 1`);
        }
        if (binds.length === 0) return { command: 'unshare', args: [...unshare, '/bin/sh', '-c', script, ...fixed, command, ...args] };
        return { command: 'unshare', args: [...unshare, '--mount', '/bin/sh', '-c', [...binds, script].join('\n'), ...fixed, command, ...args] };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts the program in a new network namespace. */
export async function startInNetworkNamespace(program: NamespacedProgram): Promise<RunningNamespacedProgram> {
  const namespace = await openNetworkNamespace(program);
  const wrapped = namespace.wrap(program.command, program.args);
  const child = new ManagedProcess({ name: program.name, command: wrapped.command, args: wrapped.args, env: program.env, logFile: join(program.dir, `${program.name}.log`) });
  return {
    process: child,
    published: namespace.published,
    stop: async () => {
      await child.stop();
      await namespace.close();
    },
  };
}
