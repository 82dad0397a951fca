// The integration plan's config.env variables, accepted as overrides of the YAML file. Secret variables never put
// their value into the config: they become a reference to themselves (PROXMOX_PASSWORD -> "env:PROXMOX_PASSWORD"),
// resolved by the worker that runs the step.
import type { ConfigProblem } from './load';

type Kind = 'string' | 'int' | 'bool' | 'secret';

interface Override {
  variable: string;
  path: string[];
  kind: Kind;
}

const OVERRIDES: Override[] = [
  { variable: 'CLUSTER_NAME', path: ['cluster', 'name'], kind: 'string' },
  { variable: 'PROXMOX_USERNAME', path: ['proxmox', 'username'], kind: 'string' },
  { variable: 'PROXMOX_PASSWORD', path: ['proxmox', 'password'], kind: 'secret' },
  { variable: 'PROXMOX_TOKEN_ID', path: ['proxmox', 'token', 'id'], kind: 'string' },
  { variable: 'PROXMOX_TOKEN_SECRET', path: ['proxmox', 'token', 'secret'], kind: 'secret' },
  { variable: 'PROXMOX_NODE', path: ['proxmox', 'node'], kind: 'string' },
  { variable: 'PROXMOX_STORAGE', path: ['proxmox', 'storage'], kind: 'string' },
  { variable: 'PROXMOX_BRIDGE', path: ['proxmox', 'bridge'], kind: 'string' },
  { variable: 'PROXMOX_TEMPLATE_ID', path: ['proxmox', 'templateId'], kind: 'int' },
  { variable: 'PROXMOX_VERIFY_SSL', path: ['proxmox', 'tls', 'verify'], kind: 'bool' },
  { variable: 'KUBECONFIG', path: ['kubernetes', 'kubeconfig'], kind: 'string' },
  { variable: 'KUBE_CONTEXT', path: ['kubernetes', 'context'], kind: 'string' },
  { variable: 'TEST_NAMESPACE', path: ['kubernetes', 'testNamespace'], kind: 'string' },
  { variable: 'CSI_STORAGE_CLASS', path: ['kubernetes', 'csiStorageClass'], kind: 'string' },
  { variable: 'PROMETHEUS_ENDPOINT', path: ['monitoring', 'prometheus'], kind: 'string' },
  { variable: 'GRAFANA_ENDPOINT', path: ['monitoring', 'grafana'], kind: 'string' },
  { variable: 'SCRAPER_ENDPOINT', path: ['monitoring', 'scraper'], kind: 'string' },
  { variable: 'LOGS_ENDPOINT', path: ['monitoring', 'logs'], kind: 'string' },
  { variable: 'KEEP_TEST_RESOURCES', path: ['keepTestResources'], kind: 'bool' },
];

export const OVERRIDE_VARIABLES = [...OVERRIDES.map((o) => o.variable), 'PROXMOX_HOST', 'PROXMOX_PORT'];

export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { value: Record<string, unknown>; origins: Map<string, string>; problems: ConfigProblem[] } {
  const value = structuredClone(raw);
  const origins = new Map<string, string>();
  const problems: ConfigProblem[] = [];

  const set = (path: string[], v: unknown, variable: string) => {
    let node = value as Record<string, unknown>;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = v;
    origins.set(path.join('.'), variable);
  };

  for (const o of OVERRIDES) {
    const text = env[o.variable];
    if (text === undefined || text === '') continue;
    const path = o.path.join('.');
    switch (o.kind) {
      case 'string':
        set(o.path, text, o.variable);
        break;
      case 'secret':
        set(o.path, `env:${o.variable}`, o.variable);
        break;
      case 'int':
        if (/^\d+$/.test(text)) set(o.path, Number(text), o.variable);
        else problems.push({ path: `${path} (from ${o.variable})`, message: `must be a whole number, not "${text}"` });
        break;
      case 'bool': {
        const b = parseBool(text);
        if (b === undefined) problems.push({ path: `${path} (from ${o.variable})`, message: `must be true or false, not "${text}"` });
        else set(o.path, b, o.variable);
        break;
      }
    }
  }

  // PROXMOX_HOST and PROXMOX_PORT together make the API URL (the plan's config.env splits it).
  const host = env.PROXMOX_HOST;
  if (host) {
    const port = env.PROXMOX_PORT || '8006';
    if (!/^\d{1,5}$/.test(port)) {
      problems.push({ path: 'proxmox.url (from PROXMOX_PORT)', message: `must be a port number, not "${port}"` });
    } else if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:]+\]$/.test(host)) {
      problems.push({ path: 'proxmox.url (from PROXMOX_HOST)', message: `"${host}" is not a host name or address` });
    } else {
      set(['proxmox', 'url'], `https://${host}:${port}`, 'PROXMOX_HOST/PROXMOX_PORT');
    }
  }
  return { value, origins, problems };
}

function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  return undefined;
}
