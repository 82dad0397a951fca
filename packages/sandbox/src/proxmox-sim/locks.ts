// The per-VM config file locks (flock on /var/lock/qemu-server/lock-<vmid>.conf): exclusive for most operations,
// shared for cloning a VM that is not running. A waiter gives up after its timeout with the real error text.
// These are separate from the `lock` property in a VM's config (e.g. "clone" on a VM being created by a clone).
interface LockState {
  shared: number;
  exclusive: boolean;
  waiters: Array<() => void>;
}

export class ConfigLocks {
  private locks = new Map<number, LockState>();

  /** Lock timeouts shrink with the task speed, so that waits compare to (scaled) task durations as in reality. */
  constructor(private readonly speed: () => number) {}

  private get(vmid: number): LockState {
    let l = this.locks.get(vmid);
    if (!l) {
      l = { shared: 0, exclusive: false, waiters: [] };
      this.locks.set(vmid, l);
    }
    return l;
  }

  /** Runs `fn` holding the lock; gives up after `timeoutSeconds` (realistic seconds, scaled by the task speed). */
  async with<T>(vmid: number, mode: 'shared' | 'exclusive', timeoutSeconds: number, fn: () => Promise<T>): Promise<T> {
    const l = this.get(vmid);
    const free = () => (mode === 'shared' ? !l.exclusive : !l.exclusive && l.shared === 0);
    if (!free()) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          if (!free()) return;
          clearTimeout(timer);
          l.waiters = l.waiters.filter((w) => w !== wake);
          resolve();
        };
        const timer = setTimeout(() => {
          l.waiters = l.waiters.filter((w) => w !== wake);
          reject(new Error(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`));
        }, timeoutSeconds * 1000 * this.speed());
        l.waiters.push(wake);
      });
    }
    if (mode === 'shared') l.shared++;
    else l.exclusive = true;
    try {
      return await fn();
    } finally {
      if (mode === 'shared') l.shared--;
      else l.exclusive = false;
      for (const w of [...l.waiters]) w();
    }
  }

  isHeld(vmid: number): 'shared' | 'exclusive' | undefined {
    const l = this.locks.get(vmid);
    if (!l) return undefined;
    return l.exclusive ? 'exclusive' : l.shared > 0 ? 'shared' : undefined;
  }
}
