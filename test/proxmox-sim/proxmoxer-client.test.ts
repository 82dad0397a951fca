// Debian's python3-proxmoxer (installed by scripts/tools/debian.sh) against the simulator over verified HTTPS.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_ROOT_PASSWORD, DEFAULT_TOKEN_SECRET, startProxmoxSimulator, type RunningSimulator } from '../../packages/sandbox/src/proxmox-sim';
import { toolPath } from '../../src/tools/tool-paths';

const run = promisify(execFile);
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startProxmoxSimulator({ taskSpeed: 0.02 });
});

afterAll(async () => {
  await sim.stop();
});

test('proxmoxer authenticates with a ticket and with a token, reads, writes, follows a task, uploads an ISO', async () => {
  const python = toolPath('PYTHON3_DEBIAN', 'debian');
  const script = join(__dirname, 'python', 'proxmoxer_check.py');
  const { stdout } = await run(python, [script, '127.0.0.1', String(sim.port), sim.caFile!, DEFAULT_ROOT_PASSWORD, 'root@pam', 'cozy', DEFAULT_TOKEN_SECRET], { timeout: 60_000 });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(result).toEqual({
    version: '8.2.4',
    nodes: ['pve1'],
    clone_exitstatus: 'OK',
    cores: 3,
    token_templates: [9000],
    upload_exitstatus: 'OK',
    uploaded_size: 32774,
    delete_exitstatus: 'OK',
    missing_vm_error: expect.stringContaining("500 Internal Server Error: Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist"),
  });
});
