// Sizes as Proxmox writes them in configs ("32G", "512M") and as seeds may give them (bytes or "500GiB").
const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(value);
  if (!m) throw new Error(`invalid size '${value}'`);
  return Math.round(parseFloat(m[1]) * UNITS[m[2].toUpperCase()]);
}

/** The short form qemu-server writes into disk options: the largest unit that divides the size evenly. */
export function formatConfigSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    if (bytes >= UNITS[unit] && bytes % UNITS[unit] === 0) return `${bytes / UNITS[unit]}${unit}`;
  }
  return `${bytes}`;
}

/** Human form used in task logs, e.g. "32.0 GiB". */
export function formatHuman(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
