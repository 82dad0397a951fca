// The runbooks stay true to the code: every catalogue step has its troubleshooting entry (and no entry names a step
// that does not exist), every `cozy-proxmox …` command quoted in runbooks/*.md is a real subcommand with real
// options, and each security checklist item names the tests that prove it, which exist.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE } from '../../src/catalogue';
import { checkCommandLine, commandPaths } from '../deploy/cli-grammar';

const RUNBOOKS = join(__dirname, '..', '..', 'runbooks');
const REPO = join(__dirname, '..', '..');
const read = (name: string) => readFileSync(join(RUNBOOKS, name), 'utf8');

const runbook = read('troubleshooting.md');
const entries = [...runbook.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);

test('each catalogue step has a troubleshooting entry', () => {
  const missing = CATALOGUE.map((s) => s.id).filter((id) => !entries.includes(id));
  expect(missing).toEqual([]);
});

test('each troubleshooting entry is a catalogue step', () => {
  const ids = new Set(CATALOGUE.map((s) => s.id));
  expect(entries.filter((e) => !ids.has(e))).toEqual([]);
});

/** Text in code: lines of fenced blocks (continuations joined) and inline code spans. */
function codeFragments(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  let pending = '';
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      if (line.endsWith('\\')) {
        pending += line.slice(0, -1) + ' ';
        continue;
      }
      out.push(pending + line);
      pending = '';
    } else {
      for (const m of line.matchAll(/`([^`]+)`/g)) out.push(m[1]);
    }
  }
  return out;
}

const INVOCATION = /(?:^|[\s(])(?:\.\/)?(?:bin\/cozy-proxmox\.js|cozy-proxmox)(?=\s+[a-z-])\s+(.*)$/;

/** The argument words of each cozy-proxmox command line in a markdown text. */
function quotedCommands(markdown: string): string[][] {
  const commands: string[][] = [];
  for (const fragment of codeFragments(markdown)) {
    // A shell comment ends the command; separators start another one.
    const code = fragment.replace(/\s#\s.*$/, '');
    for (const piece of code.split(/\s*(?:&&|\|\||;|\s\|\s|\$\()\s*/)) {
      const m = INVOCATION.exec(piece);
      if (!m) continue;
      const words = m[1]
        .replace(/"[^"]*"|'[^']*'/g, 'QUOTED')
        .replace(/<[\w.-]+>/g, 'PLACEHOLDER') // <run-id>, integrate-cluster-<cluster>
        .replace(/[[\]]/g, ' ')
        .replace(/\s\d?>\s*\S+/g, '') // redirections
        .replace(/\s[&)]\s*$/, '')
        .trim()
        .split(/\s+/)
        .filter((w) => w !== '' && w !== '&' && w !== ')');
      commands.push(words);
    }
  }
  return commands;
}

const books = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.md'));

test('the runbooks the product promises are there', () => {
  expect(books).toEqual(expect.arrayContaining(['installation.md', 'maintenance.md', 'performance.md', 'security-checklist.md', 'troubleshooting.md']));
  const maintenance = read('maintenance.md');
  for (const topic of ['Upgrading the worker', 'Upgrading Temporal', 'Rotating the Proxmox API token', 'Rotating the payload codec key', 'Re-running', 'Cleaning test resources', 'Backups of the Temporal database']) {
    expect(maintenance).toContain(`## ${topic}`);
  }
});

test('every cozy-proxmox command quoted in the runbooks is a real command with real options', () => {
  const problems: string[] = [];
  let count = 0;
  for (const book of books) {
    for (const words of quotedCommands(read(book))) {
      count++;
      for (const p of checkCommandLine(words)) problems.push(`${book}: cozy-proxmox ${words.join(' ')}\n    ${p}`);
    }
  }
  expect(problems).toEqual([]);
  // The scan really finds the commands (the runbooks quote several dozen).
  expect(count).toBeGreaterThan(30);
});

test('the command check catches a wrong command, subcommand or option', () => {
  const doc = [
    '```sh',
    'cozy-proxmox status <run-id> --watch > out.txt   # fine',
    'cozy-proxmox sandbox restart',
    './bin/cozy-proxmox.js approve run-1 --phase p --approver me',
    '```',
    'Start with `cozy-proxmox launch -c x.yaml` and `cozy-proxmox list --json | jq .`.',
  ].join('\n');
  const found = quotedCommands(doc);
  expect(found).toEqual([
    ['status', 'PLACEHOLDER', '--watch'],
    ['sandbox', 'restart'],
    ['approve', 'run-1', '--phase', 'p', '--approver', 'me'],
    ['launch', '-c', 'x.yaml'],
    ['list', '--json'],
  ]);
  expect(found.map((w) => checkCommandLine(w).length)).toEqual([0, 1, 1, 1, 0]);
  // Sanity: the grammar knows the whole CLI, subcommands included.
  expect(commandPaths()).toEqual(expect.arrayContaining(['integrate-cluster', 'sandbox up', 'config validate', 'codec-server', 'codec-key rotate']));
});

test('each security checklist item names the tests that prove it, and they exist', () => {
  const checklist = read('security-checklist.md');
  const items = checklist.split(/^### /m).slice(1);
  expect(items.length).toBeGreaterThanOrEqual(8);
  const problems: string[] = [];
  for (const item of items) {
    const title = item.split('\n')[0];
    if (title === 'Before production') continue;
    const tests = [...item.matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((m) => m[1]);
    if (!/Proved by:/.test(item) || tests.length === 0) problems.push(`${title}: names no test file`);
    for (const t of tests) if (!existsSync(join(REPO, t))) problems.push(`${title}: ${t} does not exist`);
  }
  expect(problems).toEqual([]);
});
