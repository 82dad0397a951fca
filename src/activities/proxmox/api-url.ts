// proxmox.api-url: the configured URL is the API root. A URL ending in /api2/json is a known cause of "no VM is ever
// provisioned": the Cluster API provider appends /api2/json itself, so every call goes to /api2/json/api2/json.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { normaliseBaseUrl } from '../../proxmox/url';
import { runProxmoxStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

export function proxmoxApiUrl(input: StepInput): Promise<StepOutcome> {
  const configured = input.config.proxmox.url;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const url = normaliseBaseUrl(configured);
    // The client strips the suffix, so this proves the root answers as an API, whatever the provider would do.
    const info = await client.version();
    const details = [`API root ${url.origin} answers (Proxmox VE ${info.version})`];
    const warnings: string[] = [];
    if (url.urlHadApiSuffix) {
      warnings.push(
        `proxmox.url ends in /api2/json: given to the Cluster API provider as is, its requests go to ` +
          `/api2/json/api2/json and no VM is ever provisioned; set the URL to ${url.origin}`,
      );
    }
    if (url.origin.startsWith('http://')) {
      warnings.push(`proxmox.url uses http://: Proxmox VE serves its API over https on port 8006`);
    }
    return {
      status: warnings.length > 0 ? 'warning' : 'passed',
      message: warnings.length > 0 ? warnings.join('; ') : `proxmox.url ${url.origin} is the API root`,
      details,
      outputs: { baseUrl: url.origin, urlHadApiSuffix: url.urlHadApiSuffix },
    };
  });
}

export const proxmoxApiUrlStep = defineStep({
  id: 'proxmox.api-url',
  phase: 'preparation',
  title: 'Proxmox API URL is the API root (no /api2/json suffix)',
  blocking: false,
  run: proxmoxApiUrl,
});
