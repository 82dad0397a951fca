// The workflow code as one prebuilt bundle, written by the build (`npm run build`, `npm test`) next to the compiled
// sources. A worker that loads it starts without webpack: bundling at start costs seconds and about 150 MB of peak
// memory in every worker process, for code that only changes with a build.
//
//   node dist/src/workflow-bundle.js       writes dist/workflows.bundle.js from dist/src/workflows, and
//                                          dist/workflows.encoded-failures.bundle.js for workers with the codec on
//
// Two bundles, because the failure converter is compiled into the workflow code: with the codec on, the workflow's
// own failures must have their messages encoded (src/codec/failure-converter.ts); without it they stay readable.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ENCODED_FAILURES_CONVERTER_PATH } from './codec/data-converter';

const WORKFLOWS_DIR = join(__dirname, 'workflows');
/** dist/workflows.bundle.js for the compiled dist/src/workflow-bundle.js. */
export const WORKFLOW_BUNDLE_FILE = join(__dirname, '..', 'workflows.bundle.js');
/** The same with the failure converter that encodes failure messages (workers with the codec on). */
export const ENCODED_FAILURES_BUNDLE_FILE = join(__dirname, '..', 'workflows.encoded-failures.bundle.js');

const bundleFile = (encodeFailures: boolean) => (encodeFailures ? ENCODED_FAILURES_BUNDLE_FILE : WORKFLOW_BUNDLE_FILE);

function newestWorkflowSource(): number {
  return Math.max(...readdirSync(WORKFLOWS_DIR).map((f) => statSync(join(WORKFLOWS_DIR, f)).mtimeMs));
}

/**
 * The prebuilt bundle when there is one at least as new as every compiled workflow file; otherwise undefined, and
 * the worker bundles at start (running from sources, or after a compile without the bundle step). tsc writes every
 * output file on each compile, so any compile since the bundle makes it stale, whichever module changed.
 */
export function prebuiltWorkflowBundle(encodeFailures = false): { codePath: string } | undefined {
  const file = bundleFile(encodeFailures);
  if (!__filename.endsWith('.js') || !existsSync(file)) return undefined;
  return statSync(file).mtimeMs >= newestWorkflowSource() ? { codePath: file } : undefined;
}

/** The workflow code bundled now (webpack's progress kept quiet, its warnings and errors shown). */
export async function bundleWorkflows(opts: { encodeFailures?: boolean } = {}): Promise<{ code: string }> {
  const quiet = () => undefined;
  return bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    failureConverterPath: opts.encodeFailures ? ENCODED_FAILURES_CONVERTER_PATH : undefined,
    logger: { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error },
  });
}

export async function writeWorkflowBundle(file = WORKFLOW_BUNDLE_FILE, encodeFailures = false): Promise<void> {
  const { code } = await bundleWorkflows({ encodeFailures });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
}

/** Both bundles the workers use: plain, and with encoded failures. */
export async function writeWorkflowBundles(): Promise<void> {
  await writeWorkflowBundle(WORKFLOW_BUNDLE_FILE, false);
  await writeWorkflowBundle(ENCODED_FAILURES_BUNDLE_FILE, true);
}

if (require.main === module) {
  writeWorkflowBundles().then(
    () => console.error(`workflow bundles written to ${WORKFLOW_BUNDLE_FILE} and ${ENCODED_FAILURES_BUNDLE_FILE}`),
    (err: unknown) => {
      console.error(`cannot bundle the workflows: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
