// Checks a cozy-proxmox command line, as docs and deployment files quote it, against the real command tree of the
// CLI (src/cli/main.ts): every subcommand must exist and every option must belong to the command it is given to.
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/main';

let program: Command | undefined;
function root(): Command {
  program ??= buildProgram();
  return program;
}

function optionFlags(cmd: Command): Set<string> {
  const flags = new Set(['--help', '-h']);
  for (const opt of (cmd as unknown as { options: Option[] }).options) {
    if (opt.long) flags.add(opt.long);
    if (opt.short) flags.add(opt.short);
  }
  if (cmd === root()) flags.add('--version').add('-V');
  return flags;
}

function sub(cmd: Command, name: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/** Subcommand paths of the whole CLI, e.g. "sandbox up", "config validate". */
export function commandPaths(): string[] {
  const out: string[] = [];
  const walk = (cmd: Command, prefix: string[]) => {
    for (const c of cmd.commands) {
      out.push([...prefix, c.name()].join(' '));
      walk(c, [...prefix, c.name()]);
    }
  };
  walk(root(), []);
  return out;
}

/**
 * Problems with one command line (the words after `cozy-proxmox`); none means it is valid. A word like
 * `up|down|status` names alternatives, each of which must exist.
 */
export function checkCommandLine(words: string[]): string[] {
  const problems: string[] = [];
  let cmd = root();
  const path: string[] = [];
  let alternatives = false;
  let i = 0;
  // Subcommands come first; the first word that is not one ends the path.
  for (; i < words.length; i++) {
    const word = words[i];
    if (word.startsWith('-')) break;
    if (word.includes('|')) {
      const missing = word.split('|').filter((w) => !sub(cmd, w));
      if (missing.length === 0) {
        path.push(word);
        alternatives = true;
        i++;
        break;
      }
    }
    const next = sub(cmd, word);
    if (!next) break;
    cmd = next;
    path.push(word);
  }
  const shown = ['cozy-proxmox', ...path].join(' ');
  const onlyFlags = words.slice(i).every((w) => w.startsWith('-'));
  if (path.length === 0 && !(onlyFlags && words.length > 0)) {
    problems.push(`"${words[0] ?? ''}" is not a cozy-proxmox command (commands: ${root().commands.map((c) => c.name()).join(', ')})`);
    return problems;
  }
  if (!alternatives && cmd.commands.length > 0 && i < words.length && !words[i].startsWith('-')) {
    problems.push(`${shown} has no subcommand "${words[i]}" (it has: ${cmd.commands.map((c) => c.name()).join(', ')})`);
  }
  // With alternatives (a|b) the options are checked against the first one.
  const target = alternatives ? (sub(cmd, path[path.length - 1].split('|')[0]) ?? cmd) : cmd;
  const flags = optionFlags(target);
  for (const word of words.slice(i)) {
    if (!word.startsWith('-') || word === '-' || word === '--') continue;
    const flag = word.split('=')[0];
    if (!flags.has(flag)) problems.push(`${shown}: unknown option ${flag} (it takes: ${[...flags].sort().join(' ')})`);
  }
  return problems;
}
