// Static addresses for Proxmox machines. CAPMOX has no DHCP: it takes each machine's address from the pool its
// ProxmoxCluster's ipv4Config describes. The sandbox allocates from that pool directly (lowest free address, skipping
// the gateway, the control-plane endpoint and addresses other machines of the cluster hold) instead of going through
// an InClusterIPPool and IPAddressClaims.

export interface Ipv4Config {
  addresses: string[];
  prefix: number;
  gateway?: string;
}

const toInt = (ip: string): number => ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Every address an ipv4Config entry stands for: "a.b.c.d", "a.b.c.d-e.f.g.h" or "a.b.c.d/nn" (hosts only). */
export function expandEntry(entry: string): Array<[number, number]> {
  const range = /^(\S+?)\s*-\s*(\S+)$/.exec(entry);
  if (range && IPV4.test(range[1]) && IPV4.test(range[2])) return [[toInt(range[1]), toInt(range[2])]];
  const cidr = /^(\S+)\/(\d{1,2})$/.exec(entry);
  if (cidr && IPV4.test(cidr[1])) {
    const size = 2 ** (32 - Number(cidr[2]));
    const base = toInt(cidr[1]) - (toInt(cidr[1]) % size);
    return size <= 2 ? [[base, base + size - 1]] : [[base + 1, base + size - 2]];
  }
  if (IPV4.test(entry)) return [[toInt(entry), toInt(entry)]];
  throw new Error(`ipv4Config address "${entry}" is neither an address, a range nor a CIDR`);
}

/** The lowest address of the pool not in `taken`, or undefined when the pool is exhausted. */
export function allocateAddress(config: Ipv4Config, taken: Iterable<string>): string | undefined {
  const used = new Set([...taken].filter(Boolean).map(toInt));
  if (config.gateway) used.add(toInt(config.gateway));
  for (const entry of config.addresses) {
    for (const [first, last] of expandEntry(entry)) {
      for (let n = first; n <= last; n++) if (!used.has(n)) return toIp(n);
    }
  }
  return undefined;
}
