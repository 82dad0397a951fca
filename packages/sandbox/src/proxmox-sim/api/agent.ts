// The QEMU guest agent calls that clients use: network-get-interfaces (address discovery), get-osinfo (CAPMOX waits
// on it for the agent), exec and exec-status (CAPMOX runs `cloud-init status`). qemu-server checks the agent first,
// wraps the agent's answers as {result: ...} where the agent command returns one, and decodes exec output.
import { execInGuest, execStatus, networkInterfaces, osInfo, requireAgent } from '../guest';
import type { Router } from '../router';

export function registerAgent(r: Router): void {
  r.add('GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces', ({ sim, params }) => {
    const vm = sim.vm(params.node as string, params.vmid as string);
    return { result: networkInterfaces(requireAgent(sim, vm), vm) };
  });

  r.add('GET /nodes/{node}/qemu/{vmid}/agent/get-osinfo', ({ sim, params }) => {
    requireAgent(sim, sim.vm(params.node as string, params.vmid as string));
    return { result: osInfo() };
  });

  r.add('POST /nodes/{node}/qemu/{vmid}/agent/exec', ({ sim, params }) => {
    const guest = requireAgent(sim, sim.vm(params.node as string, params.vmid as string));
    // A form-encoded value reaches the handler as one string; qemu-server makes a one-element array of it.
    const command = Array.isArray(params.command) ? params.command.map(String) : [String(params.command)];
    return execInGuest(guest, command, params['input-data'] === undefined ? undefined : String(params['input-data']));
  });

  r.add('GET /nodes/{node}/qemu/{vmid}/agent/exec-status', ({ sim, params }) => {
    const guest = requireAgent(sim, sim.vm(params.node as string, params.vmid as string));
    return execStatus(guest, Number(params.pid));
  });
}
