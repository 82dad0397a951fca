// The prometheus-pve-exporter's side of the sandbox: its config file (one module, `default`, holding the credentials
// it logs in to Proxmox with) and the scrape target it is asked to collect from. The exporter speaks to Proxmox
// through proxmoxer/requests, so TLS trust comes from REQUESTS_CA_BUNDLE (the simulator's CA), with verify_ssl on.
import { stringify } from 'yaml';

export type ExporterCredentials =
  | { kind: 'token'; tokenId: string; tokenSecret: string }
  | { kind: 'password'; user: string; password: string };

/** The exporter's module `default`, as its config file (YAML) wants it. */
export function pveExporterConfigYaml(credentials: ExporterCredentials): string {
  let module: Record<string, string | boolean>;
  if (credentials.kind === 'token') {
    // A token ID is USER@REALM!NAME; the exporter wants the user and the token name apart.
    const bang = credentials.tokenId.indexOf('!');
    if (bang <= 0 || bang === credentials.tokenId.length - 1) {
      throw new Error(`token ID "${credentials.tokenId}" is not USER@REALM!TOKENNAME`);
    }
    module = { user: credentials.tokenId.slice(0, bang), token_name: credentials.tokenId.slice(bang + 1), token_value: credentials.tokenSecret };
  } else {
    module = { user: credentials.user, password: credentials.password };
  }
  return stringify({ default: { ...module, verify_ssl: true } });
}
