// The pod network as kube-apiserver sees it: the way it reaches a webhook or an aggregated API behind a Service.
// With --enable-aggregator-routing it dials an endpoint of the Service, a pod address (kwok's pod range); nothing on
// this machine routes those addresses, and kube-apiserver refuses loopback addresses in endpoints. So its traffic to
// the cluster goes through its egress selector (`cluster`, HTTP CONNECT over a Unix socket, as a konnectivity
// server takes it) to this proxy, which connects a pod address to the port the sandbox published for that pod:
// the sandbox runs a pod's containers in network namespaces of their own and records the published ports in the
// pod's annotation (pod-processes.ts). A pod address with nothing published answers 503, as an unreachable pod
// would fail the call; loopback destinations (webhooks registered by URL) are dialled as they are.
import { createServer, type IncomingMessage } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { rawRequest } from '../../../../src/kubernetes/raw-request';
import { LOOPBACK } from './ports';

/** The pod annotation holding {"<containerPort>": <127.0.0.1 port>} for the ports the sandbox published. */
export const PUBLISHED_PORTS_ANNOTATION = 'sandbox.cozy-proxmox.io/published-ports';

/** kube-apiserver's egress selector configuration: cluster traffic through the proxy on `socket`. */
export function egressSelectorConfiguration(socket: string): string {
  return `apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: ${socket}
`;
}

export interface RunningPodNetwork {
  socket: string;
  stop(): Promise<void>;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** The 127.0.0.1 port behind a pod address and port, from the pod's annotation; undefined when nothing is there. */
async function publishedPort(kc: KubeConfig, ip: string, port: number): Promise<number | undefined> {
  const res = await rawRequest(kc, `/api/v1/pods?fieldSelector=${encodeURIComponent(`status.podIP=${ip}`)}`);
  const pods = (JSON.parse(res.body) as { items: Array<{ metadata: { annotations?: Record<string, string> } }> }).items;
  for (const pod of pods) {
    const published = pod.metadata.annotations?.[PUBLISHED_PORTS_ANNOTATION];
    if (!published) continue;
    const host = (JSON.parse(published) as Record<string, number>)[String(port)];
    if (host) return host;
  }
  return undefined;
}

function splitHostPort(target: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  return m ? { host: m[1], port: Number(m[2]) } : undefined;
}

/** Serves the pod network on `socket` for the API server of `kubeconfig`. */
export async function startPodNetwork(opts: { socket: string; kubeconfig: string; log?: (m: string) => void }): Promise<RunningPodNetwork> {
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfig);
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only\n');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const refuse = (why: string) => {
      opts.log?.(`CONNECT ${req.url}: ${why}`);
      client.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\r\n${why}\n`);
    };
    const target = splitHostPort(req.url ?? '');
    if (!target) return refuse('not host:port');
    const resolved = isLoopback(target.host) ? Promise.resolve(target.port) : publishedPort(kc, target.host, target.port);
    resolved.then(
      (port) => {
        if (!port) return refuse(`no pod of this sandbox serves ${req.url}`);
        const upstream = connect(port, isLoopback(target.host) ? target.host : LOOPBACK);
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        let established = false;
        upstream.once('connect', () => {
          established = true;
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          if (head.length) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', (err) => {
          if (established) client.destroy();
          else refuse(`${req.url}: ${err.message}`);
        });
        client.once('close', () => upstream.destroy());
      },
      (err: unknown) => refuse(`looking up ${target.host}: ${(err as Error).message}`),
    );
  });
  rmSync(opts.socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socket, resolve);
  });
  return {
    socket: opts.socket,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(opts.socket, { force: true });
    },
  };
}
