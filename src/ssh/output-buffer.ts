// Collects a stream's output up to a cap, keeping the end: a command that prints without limit cannot exhaust the
// worker's memory, and the part kept is the one that explains a failure.
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes && this.chunks.length > 1) {
      const first = this.chunks.shift() as Buffer;
      this.size -= first.length;
      this.dropped += first.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const kept = all.length > this.maxBytes ? all.subarray(all.length - this.maxBytes) : all;
    const prefix = this.dropped > 0 || all.length > this.maxBytes ? '[...earlier output dropped...]\n' : '';
    return prefix + kept.toString('utf8');
  }
}

/** The last `lines` non-empty lines of a text, for failure messages. */
export function tailLines(text: string, lines = 8): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0)
    .slice(-lines)
    .join('\n');
}

/** Replaces every occurrence of each secret with a marker (a secret that slipped into output stays out of logs). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return out;
}
