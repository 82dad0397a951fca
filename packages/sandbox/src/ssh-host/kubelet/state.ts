// What happened on the sandbox host, one line per event in an append-only file, so a test (and a benchmark) can
// tell one join from two: `join <node> <server> <time>` when the kubelet registered its node after a TLS bootstrap,
// `reset <time>` when `kubeadm reset` finished.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface StandinState {
  joins: { nodeName: string; server: string; at: string }[];
  resets: { at: string }[];
}

export function readStandinState(file: string): StandinState {
  const state: StandinState = { joins: [], resets: [] };
  if (!existsSync(file)) return state;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [event, ...rest] = line.trim().split(/\s+/);
    if (event === 'join' && rest.length === 3) state.joins.push({ nodeName: rest[0], server: rest[1], at: rest[2] });
    if (event === 'reset' && rest.length === 1) state.resets.push({ at: rest[0] });
  }
  return state;
}

export function recordJoin(file: string, nodeName: string, server: string): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `join ${nodeName} ${server} ${new Date().toISOString()}\n`);
}
