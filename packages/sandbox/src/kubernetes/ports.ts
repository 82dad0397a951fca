// Free loopback TCP ports, found by letting the kernel pick them and releasing them again.
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

function listenOnAnyPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve({ server, port: address.port });
      else reject(new Error('the kernel assigned no port'));
    });
  });
}

/** `count` distinct free ports. All are held open until the last is chosen, so the kernel cannot repeat one. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const held: Array<{ server: Server; port: number }> = [];
  try {
    for (let i = 0; i < count; i++) held.push(await listenOnAnyPort());
    return held.map((h) => h.port);
  } finally {
    await Promise.all(held.map((h) => new Promise<void>((resolve) => h.server.close(() => resolve()))));
  }
}
