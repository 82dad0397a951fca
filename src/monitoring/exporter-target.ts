// The `target` prometheus-pve-exporter is given for a Proxmox API URL: HOST:PORT. The exporter always speaks HTTPS
// and adds /api2/json itself, so a plain-HTTP URL cannot be scraped.
export function exporterTarget(proxmoxUrl: string): string {
  const url = new URL(proxmoxUrl);
  if (url.protocol !== 'https:') throw new Error(`the pve exporter speaks HTTPS only; ${proxmoxUrl} is not an https:// URL`);
  return `${url.hostname}:${url.port || '8006'}`;
}
