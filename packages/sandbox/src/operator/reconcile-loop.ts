// A polling reconcile loop: runs `pass` every resync interval until stopped. A pass that throws is logged and the
// loop goes on, as a controller requeues a failed reconcile.
import type { OperatorContext, RunningController } from './context';

export function reconcileLoop(ctx: OperatorContext, name: string, pass: () => Promise<void>): RunningController {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ctx.resyncSeconds * 1000);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const done = (async () => {
    while (!stopped) {
      try {
        await pass();
      } catch (err) {
        ctx.log(name, `reconcile failed, retrying: ${(err as Error).message}`);
      }
      if (!stopped) await sleep();
    }
  })();
  return {
    name,
    stop: async () => {
      stopped = true;
      wake?.();
      await done;
    },
  };
}
