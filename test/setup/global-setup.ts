// Starts the run's shared servers once: a real Temporal dev server (the official `temporal` CLI) and a real
// Kubernetes control plane (kube-apiserver, etcd, controller-manager, scheduler, kwok). Suites connect to them:
// TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_TEST_ADDRESS }), and
// test/helpers/control-plane.ts for the cluster. globalTeardown stops both and fails the run if a process is left.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';
import { toolPath } from '../../src/tools/tool-paths';
import { startControlPlane } from '../../packages/sandbox/src/kubernetes/control-plane';
import { bundleWorkflows } from '../../src/workflow-bundle';

export default async function globalSetup(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'cozy-test-run-'));
  const g = globalThis as Record<string, unknown>;

  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: toolPath('TEMPORAL_CLI', 'temporal') },
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
    },
  });
  g.__temporalEnv = env;
  process.env.TEMPORAL_TEST_ADDRESS = env.address;

  const plane = await startControlPlane({ dir: join(scratch, 'control-plane') });
  g.__controlPlane = plane;
  process.env.TEST_KUBECONFIG = plane.kubeconfigPath;
  process.env.TEST_KUBE_SERVER = plane.server;

  // Bundle the workflow code once for every suite's workers.
  const { code } = await bundleWorkflows();
  const bundlePath = join(scratch, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}
