// The Proxmox catalogue entries: stable IDs, phases and groups, activities that exist, and the conditional
// step2.create-bridge.
import { proxmoxActivities } from '../../src/activities/proxmox';
import { ALL_PROXMOX_STEPS, proxmoxSteps } from '../../src/catalogue/proxmox-steps';

const base = { url: 'https://pve:8006', node: 'pve1', templateId: 9000 } as never;

describe('proxmoxSteps', () => {
  it('lists the preparation, step1 and step2 steps with stable IDs', () => {
    const steps = proxmoxSteps({ proxmox: base });
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
  });

  it('adds step2.create-bridge, with its compensation, only when proxmox.createBridge is set', () => {
    const steps = proxmoxSteps({ proxmox: { ...(base as object), createBridge: { name: 'vmbr1' } } as never });
    const create = steps.find((s) => s.id === 'step2.create-bridge');
    expect(create?.compensation).toMatchObject({ activity: 'step2DeleteBridge', when: 'on-failure', startToCloseSeconds: 300 });
    expect(steps.find((s) => s.id === 'step2.bridges')?.dependsOn).toEqual(['step2.create-bridge']);
    expect(proxmoxSteps({ proxmox: base }).some((s) => s.id === 'step2.create-bridge')).toBe(false);
  });

  it('names only activities that exist, and dependencies within the same phase', () => {
    const names = new Set(Object.keys(proxmoxActivities));
    for (const step of ALL_PROXMOX_STEPS) {
      expect(names.has(step.activity)).toBe(true);
      if (step.compensation) expect(names.has(step.compensation.activity)).toBe(true);
      for (const dep of step.dependsOn ?? []) {
        expect(ALL_PROXMOX_STEPS.find((s) => s.id === dep)?.phase).toBe(step.phase);
      }
    }
    expect(new Set(ALL_PROXMOX_STEPS.map((s) => s.id)).size).toBe(ALL_PROXMOX_STEPS.length);
  });
});
