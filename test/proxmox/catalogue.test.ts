// The Proxmox catalogue entries: stable IDs, phases and groups, and the conditional step2.create-bridge.
import { planOf } from '../helpers/steps';
import { testConfig } from '../helpers/plan';

describe('the Proxmox steps of a plan', () => {
  it('lists the preparation, step1 and step2 steps with stable IDs', () => {
    const steps = planOf(testConfig(), 'proxmox.', 'step1.', 'step2.');
    expect(steps.map((s) => s.id)).toEqual([
      'proxmox.version',
      'proxmox.resources',
      'proxmox.bridges',
      'proxmox.tls-certificate',
      'proxmox.api-url',
      'proxmox.template',
      'proxmox.storage',
      'step1.ticket-auth',
      'step1.token-auth',
      'step1.token-privileges',
      'step1.api-latency',
      'step2.bridges',
      'step2.storage-pools',
    ]);
    expect(steps.filter((s) => s.id.startsWith('proxmox.')).every((s) => s.phase === 'preparation' && !s.group)).toBe(true);
    expect(steps.filter((s) => s.id.startsWith('step1.')).every((s) => s.phase === 'basic-integration' && s.group === 'step1-api-connection')).toBe(true);
    expect(steps.filter((s) => s.id.startsWith('step2.')).every((s) => s.phase === 'basic-integration' && s.group === 'step2-network-storage')).toBe(true);
    expect(steps.find((s) => s.id === 'step2.bridges')?.dependsOn).toBeUndefined();
  });

  it('adds step2.create-bridge, with its undo, only when proxmox.createBridge is set, and step2.bridges waits for it', () => {
    const base = testConfig();
    const steps = planOf({ ...base, proxmox: { ...base.proxmox, createBridge: { name: 'vmbr1' } } } as typeof base, 'step2.');
    const create = steps.find((s) => s.id === 'step2.create-bridge');
    expect(create?.compensation).toMatchObject({ activity: 'step2.create-bridge:undo', when: 'on-failure', startToCloseSeconds: 300 });
    expect(steps.find((s) => s.id === 'step2.bridges')?.dependsOn).toEqual(['step2.create-bridge']);
  });
});
