// Fault injection: transient API errors, added latency, expired tickets and failing tasks, settable at start and at
// run time (in-process or through the admin endpoint).
export interface FaultSettings {
  /** 0..1 share of API requests answered 500/503 (transient); /access/ticket is spared unless errorRateIncludesLogin. */
  errorRate?: number;
  errorRateIncludesLogin?: boolean;
  /** Milliseconds added to every API request. */
  latencyMs?: number;
  /** Tickets issued before this was set are rejected with 401, as expired tickets are. */
  expireTickets?: boolean;
  /** The next `count` tasks (of `type`, e.g. 'qmclone'; any type when absent) end with TASK ERROR: message. */
  failTasks?: { type?: string; count?: number; message?: string };
  /** The next `count` tasks (of `type`) log a warning and end with exitstatus "WARNINGS: 1". */
  warnTasks?: { type?: string; count?: number; message?: string };
}

export function validateFaults(f: unknown): FaultSettings {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new Error('faults must be an object');
  const o = f as Record<string, unknown>;
  const out: FaultSettings = {};
  for (const key of Object.keys(o)) {
    if (!['errorRate', 'errorRateIncludesLogin', 'latencyMs', 'expireTickets', 'failTasks', 'warnTasks'].includes(key)) throw new Error(`unknown fault '${key}'`);
  }
  if (o.errorRate !== undefined) {
    if (typeof o.errorRate !== 'number' || o.errorRate < 0 || o.errorRate > 1) throw new Error('errorRate must be a number between 0 and 1');
    out.errorRate = o.errorRate;
  }
  if (o.errorRateIncludesLogin !== undefined) out.errorRateIncludesLogin = !!o.errorRateIncludesLogin;
  if (o.latencyMs !== undefined) {
    if (typeof o.latencyMs !== 'number' || o.latencyMs < 0) throw new Error('latencyMs must be a non-negative number');
    out.latencyMs = o.latencyMs;
  }
  if (o.expireTickets !== undefined) out.expireTickets = !!o.expireTickets;
  for (const key of ['failTasks', 'warnTasks'] as const) {
    if (o[key] === undefined) continue;
    const t = o[key] as Record<string, unknown>;
    if (typeof t !== 'object' || t === null) throw new Error(`${key} must be an object`);
    if (t.type !== undefined && typeof t.type !== 'string') throw new Error(`${key}.type must be a string`);
    if (t.count !== undefined && (typeof t.count !== 'number' || t.count < 0)) throw new Error(`${key}.count must be a non-negative number`);
    if (t.message !== undefined && typeof t.message !== 'string') throw new Error(`${key}.message must be a string`);
    const fallback = key === 'failTasks' ? 'simulated failure' : 'simulated warning';
    out[key] = { type: t.type as string | undefined, count: (t.count as number | undefined) ?? 1, message: (t.message as string | undefined) ?? fallback };
  }
  return out;
}
