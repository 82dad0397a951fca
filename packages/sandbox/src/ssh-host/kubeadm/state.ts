// What the stand-in kubeadm did on this host, kept so a test (and `sandbox status`) can tell one join from two.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface StandinState {
  joins: { nodeName: string; server: string; at: string }[];
  resets: { at: string }[];
}

export function readStandinState(file: string): StandinState {
  if (!existsSync(file)) return { joins: [], resets: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as StandinState;
}

export function recordInState(file: string, update: (state: StandinState) => void): void {
  const state = readStandinState(file);
  update(state);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
}
