// The worker's health endpoint, for an orchestrator's probes (the compose healthcheck, a pod's liveness and
// readiness): GET /healthz answers 200 while the worker runs or drains (a draining worker is finishing steps and must
// not be killed), GET /readyz 200 only while it polls for new work (503 while starting, draining or stopped, so it
// is taken out of rotation first). Plain node:http on the address given: nothing else is served.
import { createServer, type Server } from 'node:http';
import type { State } from '@temporalio/worker';

const ALIVE: ReadonlySet<State> = new Set(['INITIALIZED', 'RUNNING', 'STOPPING', 'DRAINING', 'DRAINED']);

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the probes on HOST:PORT for the worker whose state `state` reads; resolves once listening (a taken address
 * rejects with the reason).
 */
export async function startHealthServer(address: string, state: () => State): Promise<HealthServer> {
  const { host, port } = splitAddress(address);
  const server: Server = createServer((req, res) => {
    const now = state();
    const answer = (ok: boolean) => {
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(`${now.toLowerCase()}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (req.url === '/healthz') {
      answer(ALIVE.has(now));
    } else if (req.url === '/readyz') {
      answer(now === 'RUNNING');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot serve the health endpoint on ${address}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    url: `http://${address}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(colon + 1)) };
}
