// The providers' release components the cozy-capi-providers-proxmox chart ships for cluster-api-operator (its
// fetchConfig ConfigMaps), so that the operator installs them without internet access, as CozyStack installs its
// own providers. Read from the folders `npm run tools` builds (COMPONENTS_CAPMOX, COMPONENTS_CAPI_IPAM in the tool
// cache or the environment; the worker image sets them): components.yaml, gzip-compressed and base64-encoded as the
// chart's values take it, and metadata.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readToolPaths } from '../../tools/tool-paths';

export const COMPONENT_SOURCES = {
  infrastructureProvider: { key: 'COMPONENTS_CAPMOX', what: 'CAPMOX' },
  ipamProvider: { key: 'COMPONENTS_CAPI_IPAM', what: 'the in-cluster IPAM provider' },
} as const;
export type ProviderValuesKey = keyof typeof COMPONENT_SOURCES;

export interface ProviderComponents {
  /** components.yaml, gzip, base64. */
  components: string;
  metadata: string;
}

/** The provider's components, or why there are none (a folder missing or incomplete). */
export function providerComponents(provider: ProviderValuesKey): ProviderComponents | { missing: string } {
  const { key, what } = COMPONENT_SOURCES[provider];
  return componentsOf(key, what);
}

/** The components in the folder a tools.env key names (COMPONENTS_CAPI for the core, which CozyStack ships). */
export function componentsOf(key: string, what: string): ProviderComponents | { missing: string } {
  const dir = process.env[key] ?? readToolPaths()[key];
  if (!dir) return { missing: `${key} is not set (npm run tools builds ${what}'s components)` };
  const files = ['components.yaml', 'metadata.yaml'].map((f) => join(dir, f));
  const absent = files.filter((f) => !existsSync(f));
  if (absent.length > 0) return { missing: `${key}=${dir} lacks ${absent.join(', ')}` };
  return {
    components: gzipSync(readFileSync(files[0])).toString('base64'),
    metadata: readFileSync(files[1], 'utf8'),
  };
}
