// Runs the simulator as its own process (the sandbox starts it this way). Options from argv, else from the environment:
//   --seed PATH (PVE_SIM_SEED)  --host H (PVE_SIM_HOST)  --port N (PVE_SIM_PORT)  --data-dir DIR (PVE_SIM_DATA_DIR)
//   --task-speed X (PVE_SIM_TASK_SPEED)  --no-tls (PVE_SIM_TLS=0)  --faults JSON (PVE_SIM_FAULTS)
// Prints one JSON line {"url","caFile","fingerprint","port","pid","dataDir"} once listening; stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startProxmoxSimulator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'task-speed': { type: 'string' },
      'no-tls': { type: 'boolean' },
      faults: { type: 'string' },
    },
  });
  const env = process.env;
  const number = (v: string | undefined, name: string) => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${v}'`);
    return n;
  };
  const faultsText = values.faults ?? env.PVE_SIM_FAULTS;
  const sim = await startProxmoxSimulator({
    seed: values.seed ?? env.PVE_SIM_SEED,
    host: values.host ?? env.PVE_SIM_HOST,
    port: number(values.port ?? env.PVE_SIM_PORT, 'port'),
    dataDir: values['data-dir'] ?? env.PVE_SIM_DATA_DIR,
    taskSpeed: number(values['task-speed'] ?? env.PVE_SIM_TASK_SPEED, 'task speed'),
    tls: values['no-tls'] ? false : env.PVE_SIM_TLS === undefined ? true : !['0', 'false', 'no'].includes(env.PVE_SIM_TLS),
    faults: faultsText ? JSON.parse(faultsText) : undefined,
  });
  process.stdout.write(`${JSON.stringify({ url: sim.url, caFile: sim.caFile ?? null, fingerprint: sim.fingerprint ?? null, port: sim.port, pid: process.pid, dataDir: sim.dataDir })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`proxmox simulator: ${err.message}\n`);
  process.exit(2);
});
