// UPID: the ID of an asynchronous task, UPID:node:PID:PSTART:STARTTIME:type:id:user: (PID, PSTART and STARTTIME in
// hex). The node in it is where the task runs, so status and log are read from that node.

export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  type: string;
  /** The object the task works on (a VMID, a storage, ...); empty for node-wide tasks. */
  id: string;
  user: string;
}

const UPID_RE = /^UPID:([a-zA-Z0-9][a-zA-Z0-9.-]*):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(upid: string): Upid {
  const m = UPID_RE.exec(upid.trim());
  if (!m) throw new Error(`not a UPID: ${JSON.stringify(upid)}`);
  return {
    upid: upid.trim(),
    node: m[1],
    pid: parseInt(m[2], 16),
    pstart: parseInt(m[3], 16),
    starttime: parseInt(m[4], 16),
    type: m[5],
    id: m[6],
    user: m[7],
  };
}

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && UPID_RE.test(value.trim());
}
