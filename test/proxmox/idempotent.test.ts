// Idempotent operations: a clone requested twice (one after the other, after a cut-off attempt, or concurrently with
// the same VMID) yields one VM; deleting twice deletes once.
import { ProxmoxClient } from '../../src/proxmox/client';
import { Simulator, startSim, tokenClient } from './helpers';

describe('idempotent operations', () => {
  let sim: Simulator;
  let client: ProxmoxClient;

  const named = async (name: string) => (await client.qemuList('pve1')).filter((vm) => vm.name === name);

  beforeAll(async () => {
    sim = await startSim({ taskSpeed: 0.05 });
    client = tokenClient(sim);
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
  });

  it('cloneIfAbsent twice makes one VM', async () => {
    const first = await client.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 401, name: 'idem-a' });
    const second = await client.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 401, name: 'idem-a' });
    expect(first).toMatchObject({ vmid: 401, created: true });
    expect(first.task?.exitStatus).toBe('OK');
    expect(second).toMatchObject({ vmid: 401, created: false });
    expect(await named('idem-a')).toHaveLength(1);
  });

  it('recognises a clone by name alone and takes the VMID from nextid', async () => {
    const first = await client.cloneIfAbsent({ node: 'pve1', templateId: 9000, name: 'idem-b' });
    const second = await client.cloneIfAbsent({ node: 'pve1', templateId: 9000, name: 'idem-b' });
    expect(second).toMatchObject({ vmid: first.vmid, created: false });
    expect(await named('idem-b')).toHaveLength(1);
  });

  it('waits for the clone a cut-off attempt started instead of cloning again', async () => {
    // An earlier attempt asked for a full clone and died before waiting for it.
    const orphan = await client.cloneVm('pve1', 9000, { newid: 402, name: 'idem-c', full: true });
    const result = await client.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 402, name: 'idem-c', full: true });
    expect(result.created).toBe(false);
    expect(result.task?.upid.upid).toBe(orphan);
    expect(result.task?.exitStatus).toBe('OK');
    expect((await client.qemuConfig('pve1', 402)).lock).toBeUndefined();
    expect(await named('idem-c')).toHaveLength(1);
  });

  it('concurrent calls with the same VMID make one VM', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => client.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 403, name: 'idem-d', full: true })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.every((r) => r.vmid === 403)).toBe(true);
    expect(await named('idem-d')).toHaveLength(1);
  });

  it('refuses to adopt a VMID that holds a different VM', async () => {
    await expect(client.cloneIfAbsent({ node: 'pve1', templateId: 9000, vmid: 401, name: 'someone-else' })).rejects.toThrow(
      /VMID 401 on pve1 is taken by "idem-a"/,
    );
  });

  it('deleteIfPresent stops a running VM, deletes it, and is a no-op the second time', async () => {
    await client.waitTask(await client.startVm('pve1', 401));
    await expect(client.deleteIfPresent('pve1', 401)).resolves.toEqual({ deleted: true, stopped: true });
    await expect(client.deleteIfPresent('pve1', 401)).resolves.toEqual({ deleted: false, stopped: false });
    expect(await named('idem-a')).toHaveLength(0);
  });
});
