// The progress watch polls with one signal for as long as it lasts; the Temporal client adds an abort listener to the
// signal of each call and never removes it. Each poll gets a signal of its own that follows the watch's.
import { getEventListeners } from 'node:events';
import { withPollSignal } from '../../src/cli/progress-view';

test('a hundred polls leave no listener on the watch signal', async () => {
  const watch = new AbortController();
  for (let i = 0; i < 100; i++) {
    // As the Temporal client does with a call's signal.
    await withPollSignal(watch.signal, async (s) => s.addEventListener('abort', () => undefined));
  }
  expect(getEventListeners(watch.signal, 'abort')).toHaveLength(0);
});

test('aborting the watch aborts the poll in flight, with the same reason', async () => {
  const watch = new AbortController();
  const poll = withPollSignal(watch.signal, (s) => new Promise((_resolve, reject) => s.addEventListener('abort', () => reject(s.reason as Error))));
  watch.abort(new Error('interrupted by Ctrl-C'));
  await expect(poll).rejects.toThrow('interrupted by Ctrl-C');
  expect(getEventListeners(watch.signal, 'abort')).toHaveLength(0);
});
