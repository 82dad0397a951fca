// proxmox.tls-certificate: the node's certificates are valid and do not expire within the threshold.
import type { StepInput, StepOutcome } from '../../catalogue/types';
import { checkFailed } from '../common/failures';
import { runProxmoxStep } from './step-context';
import { defineStep } from '../../catalogue/define-step';

const DAY_MS = 86_400_000;

export function proxmoxTlsCertificate(input: StepInput): Promise<StepOutcome> {
  const cfg = input.config.proxmox;
  const threshold = cfg.thresholds.certificateExpiryDays;
  return runProxmoxStep(input, 'preferred', async (client) => {
    const certs = (await client.certificates(cfg.node)).filter((c) => typeof c.notafter === 'number');
    if (certs.length === 0) throw checkFailed(`node ${cfg.node} reports no certificate: check /etc/pve/nodes/${cfg.node}`);
    const now = Date.now();
    const rows = certs.map((c) => {
      const expires = new Date((c.notafter as number) * 1000);
      const daysLeft = Math.floor((expires.getTime() - now) / DAY_MS);
      const notYet = typeof c.notbefore === 'number' && c.notbefore * 1000 > now;
      return { name: c.filename ?? c.subject ?? 'certificate', expires, daysLeft, notYet, fingerprint: c.fingerprint };
    });
    const details = rows.map(
      (r) => `${r.name}: expires ${r.expires.toISOString().slice(0, 10)} (${r.daysLeft} days left)${r.fingerprint ? `, SHA-256 ${r.fingerprint}` : ''}`,
    );
    const bad = rows.filter((r) => r.daysLeft < threshold || r.notYet);
    const soonest = Math.min(...rows.map((r) => r.daysLeft));
    if (bad.length > 0) {
      const what = bad
        .map((r) =>
          r.notYet
            ? `${r.name} on ${cfg.node} is not valid yet`
            : r.daysLeft < 0
              ? `${r.name} on ${cfg.node} expired on ${r.expires.toISOString().slice(0, 10)} (${-r.daysLeft} days ago)`
              : `${r.name} on ${cfg.node} expires on ${r.expires.toISOString().slice(0, 10)}, in ${r.daysLeft} days`,
        )
        .join('; ');
      throw checkFailed(
        `${what} (threshold ${threshold} days): renew it (pvecm updatecerts --force, or ACME under Certificates)`,
        details,
      );
    }
    return {
      status: 'passed',
      message: `certificates on ${cfg.node} are valid for at least ${soonest} more days (threshold ${threshold})`,
      details,
      metrics: { daysLeft: soonest },
    };
  });
}

export const proxmoxTlsCertificateStep = defineStep({
  id: 'proxmox.tls-certificate',
  phase: 'preparation',
  title: 'Proxmox TLS certificate valid and not expiring soon',
  dependsOn: ['proxmox.version'],
  // An expiring certificate still works today: the run goes on and the report warns.
  blocking: false,
  run: proxmoxTlsCertificate,
});
