// proxmox.template: the VM template the provider clones exists, is a template, has the guest agent enabled (the
// provider reads the VM's addresses through it) and a cloud-init drive (the provider passes the bootstrap data on it).
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { ProxmoxNotFoundError } from '../../proxmox/errors';
import { QemuConfig, truthy } from '../../proxmox/types';
import { checkFailed } from '../common/failures';
import { runProxmoxStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

/** `agent` is "1", "0" or a property string such as "enabled=1,fstrim_cloned_disks=1" or "1,type=virtio". */
export function agentEnabled(agent: QemuConfig['agent']): boolean {
  if (agent === undefined) return false;
  const first = String(agent).split(',')[0].trim();
  const value = first.startsWith('enabled=') ? first.slice('enabled='.length) : first;
  return value === '1' || value === 'true';
}

export function cloudInitDrive(config: QemuConfig): string | undefined {
  return Object.keys(config).find(
    (key) => /^(ide|sata|scsi|virtio)\d+$/.test(key) && String(config[key]).includes('cloudinit'),
  );
}

export function proxmoxTemplate(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  const id = cfg.templateId;
  return runProxmoxStep(input, 'preferred', async (client) => {
    let config: QemuConfig;
    try {
      config = await client.qemuConfig(cfg.node, id);
    } catch (err) {
      if (err instanceof ProxmoxNotFoundError) {
        throw checkFailed(`VM template ${id} does not exist on node ${cfg.node}: create it or set proxmox.templateId`);
      }
      throw err;
    }
    const problems: string[] = [];
    if (!truthy(config.template)) problems.push(`VM ${id} is not a template (convert it: qm template ${id})`);
    if (!agentEnabled(config.agent)) problems.push(`the guest agent is not enabled (qm set ${id} --agent enabled=1)`);
    const drive = cloudInitDrive(config);
    if (!drive) problems.push(`it has no cloud-init drive (qm set ${id} --ide2 ${cfg.storage}:cloudinit)`);
    if (problems.length > 0) {
      throw checkFailed(`template ${id} (${config.name ?? 'unnamed'}) on ${cfg.node} is not usable: ${problems.join('; ')}`, problems);
    }
    return {
      status: 'passed',
      message: `template ${id} (${config.name ?? 'unnamed'}) is a template with the guest agent and a cloud-init drive (${drive})`,
      outputs: { templateId: id, templateName: config.name ?? '' },
    };
  });
}

export const proxmoxTemplateStep = defineStep({
  id: 'proxmox.template',
  phase: 'preparation',
  title: 'VM template exists with guest agent and cloud-init drive',
  dependsOn: ['proxmox.version'],
  blocking: true,
  run: proxmoxTemplate,
});
