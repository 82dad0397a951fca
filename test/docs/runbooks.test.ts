// Every step ID in the catalogue has its troubleshooting entry, and the runbook names no step that does not exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE } from '../../src/catalogue';

const runbook = readFileSync(join(__dirname, '..', '..', 'runbooks', 'troubleshooting.md'), 'utf8');
const entries = [...runbook.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);

test('each catalogue step has a troubleshooting entry', () => {
  const missing = CATALOGUE.map((s) => s.id).filter((id) => !entries.includes(id));
  expect(missing).toEqual([]);
});

test('each troubleshooting entry is a catalogue step', () => {
  const ids = new Set(CATALOGUE.map((s) => s.id));
  expect(entries.filter((e) => !ids.has(e))).toEqual([]);
});
