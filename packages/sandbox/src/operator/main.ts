// Runs the sandbox operator as its own process (the sandbox starts it this way):
//   --kubeconfig PATH --proxmox-url URL [--proxmox-ca FILE] [--resync SECONDS] [--controllers a,b] [--pods-dir DIR]
//   [--pod-network-socket PATH]
// Prints one JSON line {"operator":"ready","controllers":[...]} once started; stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startOperator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      'proxmox-url': { type: 'string' },
      'proxmox-ca': { type: 'string' },
      resync: { type: 'string' },
      controllers: { type: 'string' },
      'pods-dir': { type: 'string' },
      'pod-network-socket': { type: 'string' },
    },
  });
  if (!values.kubeconfig || !values['proxmox-url']) throw new Error('--kubeconfig and --proxmox-url are required');
  const operator = await startOperator({
    kubeconfig: values.kubeconfig,
    proxmox: { url: values['proxmox-url'], caFile: values['proxmox-ca'] },
    resyncSeconds: values.resync ? Number(values.resync) : undefined,
    controllers: values.controllers?.split(',').filter(Boolean),
    podsDir: values['pods-dir'],
    podNetworkSocket: values['pod-network-socket'],
  });
  console.log(JSON.stringify({ operator: 'ready', controllers: operator.controllers }));
  const stop = () => {
    void operator.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`sandbox operator: ${(err as Error).message}`);
  process.exit(1);
});
