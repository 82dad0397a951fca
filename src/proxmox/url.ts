// Base URL normalisation. Operators paste the URL in several shapes; the client accepts the three that name the API
// root and rejects anything else, because a wrong path only shows up later as 501s or an HTML page.

export const API_SUFFIX = '/api2/json';

export interface NormalisedUrl {
  /** scheme://host:port, no trailing slash: what the Cluster API provider and CSI expect. */
  origin: string;
  /** origin + /api2/json: what this client sends requests to. */
  apiBase: string;
  /** The given URL already ended in /api2/json (a known cause of "no VM is ever provisioned" in the provider). */
  urlHadApiSuffix: boolean;
}

export class ProxmoxUrlError extends Error {
  override readonly name = 'ProxmoxUrlError';
}

export function normaliseBaseUrl(input: string): NormalisedUrl {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ProxmoxUrlError(`"${input}" is not a URL; expected https://HOST:8006`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProxmoxUrlError(`"${input}" must use https:// (the Proxmox VE API serves HTTPS on port 8006)`);
  }
  if (url.username || url.password) {
    throw new ProxmoxUrlError(`"${input}" must not carry credentials; use proxmox.username/password or proxmox.token`);
  }
  if (url.search || url.hash) {
    throw new ProxmoxUrlError(`"${input}" must not carry a query or fragment; expected https://HOST:8006`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  let urlHadApiSuffix = false;
  if (path === API_SUFFIX) {
    urlHadApiSuffix = true;
  } else if (path !== '') {
    throw new ProxmoxUrlError(
      `"${input}" has the path "${url.pathname}"; the Proxmox VE API lives at the root: use https://${url.host}`,
    );
  }
  const origin = `${url.protocol}//${url.host}`;
  return { origin, apiBase: origin + API_SUFFIX, urlHadApiSuffix };
}
