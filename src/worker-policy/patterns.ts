// The allow-list's patterns and what they match. Globs are picomatch's (a well-kept matcher) rather than regular
// expressions built by hand:
//
//   secrets  matched against the reference's string form: env:NAME, file:/absolute/path, k8s:NAMESPACE/NAME#KEY.
//            `*` matches within one path segment (it never crosses '/'), `**` across segments, `?` one character,
//            {a,b} either. A file: reference is matched by its absolute, normalised path (a relative one is resolved
//            against the worker's directory, as it is read), so "file:/etc/x/../../secret" never passes as under /etc/x.
//            "file:/etc/cozy-proxmox/*" allows the files directly in that folder; "k8s:cozy-proxmox/*" every key of
//            every Secret in that namespace; "env:PROXMOX_*" the variables with that prefix.
//   hosts    HOST or HOST:PORT. Without a port any port of the host; with one, only that port (or '*': any). In HOST
//            `*` matches within one DNS label (it never crosses '.'), `**` any number of labels, `?` one character;
//            names are compared case-insensitively. An IPv6 address is written in brackets ([::1], [::1]:6443) and
//            compared literally. Hosts are matched as written in the config or kubeconfig: no name is resolved, so
//            "localhost" and "127.0.0.1" are two entries.
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { formatSecretRef, type SecretRef } from '../config/secret-ref';

// dot: a file such as /etc/cozy-proxmox/.token is as much "in the folder" as any other. strictBrackets: an unclosed
// bracket or brace is an error in the file instead of a literal character nobody meant.
const GLOB_OPTIONS = { dot: true, strictBrackets: true } as const;

/** Why a secret pattern is unusable, or undefined. */
export function secretPatternProblem(pattern: string): string | undefined {
  if (!/^(env|file|k8s):./.test(pattern)) return 'must start with env:, file: or k8s: and name something after it';
  if (pattern.startsWith('file:')) {
    const path = pattern.slice('file:'.length);
    if (!path.startsWith('/')) return 'a file: pattern must be an absolute path (references are matched by their absolute path)';
    if (path.split('/').includes('..')) return 'a file: pattern must not contain ".."';
  }
  return globProblem(pattern);
}

const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const HOST_GLOB = /^[A-Za-z0-9*?-]+(\.[A-Za-z0-9*?-]+)*$/;

function splitHostPattern(pattern: string): { host: string; port?: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(pattern);
  return m ? { host: m[1], port: m[2] } : { host: pattern };
}

/** Why a host pattern is unusable, or undefined. */
export function hostPatternProblem(pattern: string): string | undefined {
  const { host, port } = splitHostPattern(pattern);
  if (!IPV6.test(host) && !HOST_GLOB.test(host)) {
    return 'must be HOST or HOST:PORT: DNS labels of letters, digits and -, with * or ? as wildcards, or an IPv6 address in brackets';
  }
  if (port !== undefined && port !== '*' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return `"${port}" is not a port (1-65535 or *)`;
  }
  return IPV6.test(host) ? undefined : globProblem(host);
}

function globProblem(pattern: string): string | undefined {
  try {
    picomatch(pattern, GLOB_OPTIONS);
    return undefined;
  } catch (err) {
    return `is not a valid pattern: ${(err as Error).message}`;
  }
}

/** The form a reference is matched in: file paths absolute and normalised. */
export function secretRefSubject(ref: SecretRef, cwd: string = process.cwd()): string {
  return ref.kind === 'file' ? `file:${posix.resolve(cwd, ref.path)}` : formatSecretRef(ref);
}

export function secretAllowed(patterns: readonly string[], ref: SecretRef): boolean {
  const subject = secretRefSubject(ref);
  return patterns.some((p) => picomatch.isMatch(subject, p, GLOB_OPTIONS));
}

/** `host` as written in a URL or the config (an IPv6 address with or without brackets), `port` its number. */
export function hostAllowed(patterns: readonly string[], host: string, port: number): boolean {
  const name = bracketed(host.toLowerCase());
  return patterns.some((pattern) => {
    const p = splitHostPattern(pattern);
    if (p.port !== undefined && p.port !== '*' && Number(p.port) !== port) return false;
    const wanted = p.host.toLowerCase();
    if (IPV6.test(wanted) || IPV6.test(name)) return wanted === name;
    // Labels become path segments, so picomatch's `*` stays within one label and `**` spans several.
    return picomatch.isMatch(name.split('.').join('/'), wanted.split('.').join('/'), GLOB_OPTIONS);
  });
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
