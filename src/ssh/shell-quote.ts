// A remote command over SSH is one string that the remote login shell parses, so every argument taken from config
// is wrapped in single quotes (inside which no character is special) and each embedded quote is closed, escaped and
// reopened. Nothing from an argument can then be read as a metacharacter.
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellCommandFromArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('a remote command needs at least the program name');
  return argv.map(shellQuote).join(' ');
}
