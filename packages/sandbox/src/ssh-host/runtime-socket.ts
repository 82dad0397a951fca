// The socket a container runtime would serve on the host. The sandbox runs no runtime (kwok plays the kubelet), so
// it only creates the socket file, which is what a preflight looks for; nothing answers on it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export function ensureRuntimeSocket(path: string): void {
  if (existsSync(path) && statSync(path).isSocket()) return;
  mkdirSync(dirname(path), { recursive: true });
  // A process that binds the socket and exits without closing it leaves the socket file behind.
  execFileSync(process.execPath, ['-e', 'require("net").createServer().listen(process.argv[1], () => process.exit(0))', path], { timeout: 10_000 });
}
