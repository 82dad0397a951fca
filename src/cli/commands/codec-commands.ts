// `codec-server` (the Temporal UI's codec endpoint) and `codec-key generate|rotate` (key files for the payload codec).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { KEY_FILE_ENV, loadKeyring } from '../../codec/key-source';
import { generateKeyLine, keyIds, parseKeyring } from '../../codec/keyring';
import { codecErrorToCli } from '../connection';
import { BadInputError } from '../errors';

const TOKEN_FILE_ENV = 'COZY_PROXMOX_CODEC_TOKEN_FILE';

function portArg(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BadInputError(`--port must be 0-65535, not "${value}"`);
  return port;
}

function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new BadInputError(`cannot read token file ${file}: ${(err as Error).message}`);
  }
  if (token.length < 16) throw new BadInputError(`token in ${file} is shorter than 16 characters`);
  return token;
}

/** Resolves when the process is asked to stop. */
function untilSignal(): Promise<string> {
  return new Promise((ok) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      ok(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function codecServerCommand(): Command {
  return new Command('codec-server')
    .description('serve the remote codec endpoint (POST /encode, /decode) that lets the Temporal UI show encrypted payloads')
    .option('--port <port>', 'port to listen on', '8081')
    .option('--host <address>', 'address to bind (a container passes 0.0.0.0 and publishes the port on 127.0.0.1)', '127.0.0.1')
    .option('--key-file <file>', `codec key file (env ${KEY_FILE_ENV})`)
    .option('--cors-origin <url...>', 'origin(s) of the Temporal UI allowed to call from a browser, e.g. http://127.0.0.1:8080')
    .option('--token-file <file>', `require "Authorization: Bearer <token>" with the token in this file (env ${TOKEN_FILE_ENV})`)
    .option('--namespace <name...>', 'serve only these Temporal namespaces (X-Namespace header)')
    .action(async (opts) => {
      const port = portArg(opts.port);
      let keyring;
      try {
        keyring = loadKeyring({ codecKeyFile: opts.keyFile });
      } catch (err) {
        throw codecErrorToCli(err);
      }
      if (!keyring) throw new BadInputError(`codec-server needs keys: pass --key-file FILE or set ${KEY_FILE_ENV}`);
      const tokenFile: string | undefined = opts.tokenFile ?? (process.env[TOKEN_FILE_ENV] || undefined);
      const token = tokenFile ? readToken(tokenFile) : undefined;
      // Loaded here: the codec pulls in Temporal's payload machinery, which other commands do not need.
      const [{ EncryptionCodec }, { startCodecServer }] = await Promise.all([import('../../codec/encryption-codec'), import('../../codec/codec-server')]);
      const server = await startCodecServer({
        codec: new EncryptionCodec(keyring),
        host: opts.host,
        port,
        corsOrigins: opts.corsOrigin ?? [],
        namespaces: opts.namespace,
        token,
        log: (line) => process.stderr.write(`codec-server: ${line}\n`),
      });
      process.stderr.write(
        `codec-server: listening on ${server.url} (keys: ${keyIds(keyring).join(', ')}; encrypting with ${keyring.primary.id}; ` +
          `CORS origins: ${(opts.corsOrigin ?? []).join(', ') || 'none'}; bearer token: ${token ? 'required' : 'off'})\n`,
      );
      const signal = await untilSignal();
      process.stderr.write(`codec-server: ${signal}, stopping\n`);
      await server.close();
    });
}

function codecKeyCommand(): Command {
  const cmd = new Command('codec-key').description('make and rotate payload codec key files (one key a line; the first encrypts)');
  cmd
    .command('generate')
    .description('print a new key line ID:BASE64 (append it to a key file, or write a new one with -o)')
    .option('--id <id>', 'key id (default: today\'s date)')
    .option('-o, --output <file>', 'write a new key file (mode 0600); refuses to overwrite one')
    .action((opts) => {
      let line: string;
      try {
        line = generateKeyLine(opts.id);
      } catch (err) {
        throw new BadInputError((err as Error).message);
      }
      if (!opts.output) return void process.stdout.write(line + '\n');
      if (existsSync(opts.output)) throw new BadInputError(`${opts.output} exists; rotate it with: cozy-proxmox codec-key rotate --key-file ${opts.output}`);
      writeFileSync(opts.output, line + '\n', { mode: 0o600, flag: 'wx' });
      process.stderr.write(`wrote ${opts.output} (key ${line.split(':')[0]})\n`);
    });
  cmd
    .command('rotate')
    .description('put a new key first in a key file (it encrypts from now on); old keys stay to decrypt older runs')
    .requiredOption('--key-file <file>', 'key file to rotate')
    .option('--id <id>', 'id of the new key (default: today\'s date)')
    .action((opts) => {
      let text: string;
      try {
        text = readFileSync(opts.keyFile, 'utf8');
      } catch (err) {
        throw new BadInputError(`cannot read ${opts.keyFile}: ${(err as Error).message}`);
      }
      const ring = parseKeyring(text, `key file ${opts.keyFile}`);
      if (Array.isArray(ring)) throw new BadInputError(ring.join('; '));
      let line: string;
      try {
        line = generateKeyLine(opts.id);
      } catch (err) {
        throw new BadInputError((err as Error).message);
      }
      const id = line.split(':')[0];
      if (ring.byId.has(id)) throw new BadInputError(`${opts.keyFile} already holds a key "${id}"; pass another --id`);
      // Write beside, then rename: a crash mid-write never leaves a half key file.
      const tmp = `${opts.keyFile}.tmp-${process.pid}`;
      writeFileSync(tmp, `${line}\n${text.endsWith('\n') || text === '' ? text : text + '\n'}`, { mode: 0o600 });
      renameSync(tmp, opts.keyFile);
      process.stderr.write(`${opts.keyFile}: new key ${id} encrypts from now on; keeps ${keyIds(ring).join(', ')} for older runs. Restart workers, client tools and the codec server to use it.\n`);
    });
  return cmd;
}

export function codecCommands(): Command[] {
  return [codecServerCommand(), codecKeyCommand()];
}
