// Starts one real Temporal dev server (the official `temporal` CLI) for the whole test run. Suites connect to it with
// TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_TEST_ADDRESS }).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';
import { toolPath } from '../../src/tools/tool-paths';

export default async function globalSetup(): Promise<void> {
  const path = toolPath('TEMPORAL_CLI', 'temporal');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: ['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'],
    },
  });
  (globalThis as Record<string, unknown>).__temporalEnv = env;
  process.env.TEMPORAL_TEST_ADDRESS = env.address;

  // Bundle the workflow code once for every suite's workers.
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'cozy-wf-')), 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
