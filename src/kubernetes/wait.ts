// Waiting for an object to reach a state, driven by a watch (restarted when the server closes it), with a callback on
// every event and on a regular tick so an activity can heartbeat, and a timeout error that says what was last seen.
import type { KubeClient } from './client';
import { conditionIsTrue, describeConditions } from './conditions';
import { kubernetesClientModule } from './module';
import { describeRef, type KubeObject, type ObjectRef } from './types';

export type WaitEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'tick';

export interface WaitEvent {
  type: WaitEventType;
  /** The object as last seen (undefined while it does not exist). */
  object: KubeObject | undefined;
  elapsedMs: number;
}

export interface WaitOptions {
  timeoutMs: number;
  /** How often onEvent is called when nothing happens; default 5 s. */
  tickMs?: number;
  onEvent?: (event: WaitEvent) => void;
  signal?: AbortSignal;
}

export class WaitTimeoutError extends Error {
  constructor(
    message: string,
    readonly lastSeen: KubeObject | undefined,
  ) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves with the object once `done(object)` holds; `done` also sees undefined while the object is absent. */
export async function waitForObject(
  client: KubeClient,
  ref: ObjectRef,
  done: (obj: KubeObject | undefined) => boolean,
  opts: WaitOptions,
): Promise<KubeObject | undefined> {
  const started = Date.now();
  let last = await client.find(ref);
  if (done(last)) return last;
  // A cancellation that came before the wait ends it at once (the abort event has fired already).
  if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error(`waiting for ${describeRef(ref)} was cancelled`);
  const k8s = await kubernetesClientModule();
  const path = await client.collectionPath(ref);
  const watch = new k8s.Watch(client.kc);
  const elapsed = () => Date.now() - started;

  return new Promise<KubeObject | undefined>((resolve, reject) => {
    let finished = false;
    let controller: AbortController | undefined;
    const timers: NodeJS.Timeout[] = [];
    const finish = (error: Error | undefined, value?: KubeObject) => {
      if (finished) return;
      finished = true;
      timers.forEach(clearTimeout);
      clearInterval(ticker);
      opts.signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      if (error) reject(error);
      else resolve(value);
    };
    const onAbort = () => finish(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error(`waiting for ${describeRef(ref)} was cancelled`));
    opts.signal?.addEventListener('abort', onAbort);

    const ticker = setInterval(() => opts.onEvent?.({ type: 'tick', object: last, elapsedMs: elapsed() }), opts.tickMs ?? 5_000);
    timers.push(
      setTimeout(() => {
        const seen = last ? `last seen: ${describeConditions(last)}` : 'it does not exist';
        finish(new WaitTimeoutError(`${describeRef(ref)} did not become ready within ${Math.round(opts.timeoutMs / 1000)} s; ${seen}`, last));
      }, opts.timeoutMs),
    );

    const onWatchEvent = (type: string, obj: KubeObject) => {
      if (finished || (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED')) return;
      last = type === 'DELETED' ? undefined : obj;
      opts.onEvent?.({ type, object: last, elapsedMs: elapsed() });
      if (done(last)) finish(undefined, last);
    };
    const start = () => {
      if (finished) return;
      // Without a resourceVersion the watch first replays the current object as ADDED: no gap after the read above.
      watch
        .watch(path, { fieldSelector: `metadata.name=${ref.name}`, allowWatchBookmarks: false }, onWatchEvent, (err: unknown) => {
          if (finished) return;
          const status = (err as { statusCode?: number } | null)?.statusCode;
          if (status !== undefined && status >= 400 && status < 500 && status !== 410 && status !== 429) {
            finish(Object.assign(new Error(`watching ${describeRef(ref)} failed: HTTP ${status}`), { code: status }));
            return;
          }
          // The server ends watches after a while, and a network blip ends them too: start again.
          timers.push(setTimeout(start, 500));
        })
        .then((c) => {
          controller = c;
          if (finished) c.abort();
        })
        .catch((err: unknown) => finish(err instanceof Error ? err : new Error(String(err))));
    };
    start();
  });
}

/** Waits until the object has condition `type` with status True. */
export function waitForCondition(client: KubeClient, ref: ObjectRef, type: string, opts: WaitOptions): Promise<KubeObject | undefined> {
  return waitForObject(client, ref, (obj) => conditionIsTrue(obj, type), opts);
}
