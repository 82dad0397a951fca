// The workflow code as one prebuilt bundle, written by the build (`npm run build`, `npm test`) next to the compiled
// sources. A worker that loads it starts without webpack: bundling at start costs seconds and about 150 MB of peak
// memory in every worker process, for code that only changes with a build.
//
//   node dist/src/workflow-bundle.js       writes dist/workflows.bundle.js from dist/src/workflows
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const WORKFLOWS_DIR = join(__dirname, 'workflows');
/** dist/workflows.bundle.js for the compiled dist/src/workflow-bundle.js. */
export const WORKFLOW_BUNDLE_FILE = join(__dirname, '..', 'workflows.bundle.js');

function newestWorkflowSource(): number {
  return Math.max(...readdirSync(WORKFLOWS_DIR).map((f) => statSync(join(WORKFLOWS_DIR, f)).mtimeMs));
}

/**
 * The prebuilt bundle when there is one at least as new as every compiled workflow file; otherwise undefined, and
 * the worker bundles at start (running from sources, or after a compile without the bundle step). tsc writes every
 * output file on each compile, so any compile since the bundle makes it stale, whichever module changed.
 */
export function prebuiltWorkflowBundle(): { codePath: string } | undefined {
  if (!__filename.endsWith('.js') || !existsSync(WORKFLOW_BUNDLE_FILE)) return undefined;
  return statSync(WORKFLOW_BUNDLE_FILE).mtimeMs >= newestWorkflowSource() ? { codePath: WORKFLOW_BUNDLE_FILE } : undefined;
}

/** The workflow code bundled now (webpack's progress kept quiet, its warnings and errors shown). */
export async function bundleWorkflows(): Promise<{ code: string }> {
  const quiet = () => undefined;
  return bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error },
  });
}

export async function writeWorkflowBundle(file = WORKFLOW_BUNDLE_FILE): Promise<void> {
  const { code } = await bundleWorkflows();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
}

if (require.main === module) {
  writeWorkflowBundle().then(
    () => console.error(`workflow bundle written to ${WORKFLOW_BUNDLE_FILE}`),
    (err: unknown) => {
      console.error(`cannot bundle the workflows: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
