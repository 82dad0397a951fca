// Free loopback TCP ports for other processes to listen on: found free, released, then bound by the process they are
// given to. They are taken below the kernel's ephemeral range: a port in that range can become the source port of any
// outgoing connection between the check and the other process's bind ("address already in use"), which on a machine
// busy with loopback connections (the test suite) happens; a port below it is only ever taken by a listener.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** The port a URL names, or its scheme's default (https 443, http 80). */
export function portOf(url: string): number {
  const u = new URL(url);
  return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
}

/** The kernel's ephemeral ports (ip_local_port_range): the source ports of outgoing connections. */
function ephemeralPorts(): { low: number } {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > LOWEST_PORT + 1000) return { low };
  } catch {
    // not Linux: its default
  }
  return { low: 32768 };
}

const LOWEST_PORT = 10_000;

function listenOn(port: number): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve({ server, port: address.port });
      else reject(new Error('the kernel assigned no port'));
    });
  });
}

/** A free port below the ephemeral range, tried at random; one the kernel picks if none of many tries is free. */
async function listenOnFreePort(): Promise<{ server: Server; port: number }> {
  const { low } = ephemeralPorts();
  for (let i = 0; i < 50; i++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (low - LOWEST_PORT));
    const held = await listenOn(port).catch(() => undefined);
    if (held) return held;
  }
  return listenOn(0);
}

/** `count` distinct free ports. All are held open until the last is chosen, so none is given twice. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const held: Array<{ server: Server; port: number }> = [];
  try {
    for (let i = 0; i < count; i++) held.push(await listenOnFreePort());
    return held.map((h) => h.port);
  } finally {
    await Promise.all(held.map((h) => new Promise<void>((resolve) => h.server.close(() => resolve()))));
  }
}
