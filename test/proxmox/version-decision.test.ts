// A step tested against a fake client, where that is the honest test: proxmox.version's decision on versions the
// simulator does not serve (its version is fixed), through the same wrapper and client factories the worker uses.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ClientFactories } from '../../src/activities/common/clients';
import { realClientFactories } from '../../src/activities/common/clients';
import { wrapStepActivity } from '../../src/activities/common/step-wrapper';
import { proxmoxVersion } from '../../src/activities/proxmox/version';
import type { StepInput } from '../../src/catalogue/types';
import type { ProxmoxClient } from '../../src/proxmox/client';
import { testConfig } from '../helpers/plan';

const TOKEN_ENV = 'COZY_VERSION_TEST_TOKEN';
let made: string[];

/** Real factories, except a Proxmox client that answers GET /version with `answer`. */
function answering(answer: { version?: string; release?: string }): ClientFactories {
  return {
    ...realClientFactories(),
    proxmox: (options) => {
      made.push(options.url);
      return { version: async () => answer, close: () => undefined, tlsInsecure: false, warnings: [] } as unknown as ProxmoxClient;
    },
  };
}

const input = (): StepInput => ({
  stepId: 'proxmox.version',
  workflowId: 'wf-version',
  config: testConfig({ proxmox: { url: 'https://pve.example.test:8006', node: 'pve1', templateId: 9000, token: { id: 'root@pam!cozy', secret: `env:${TOKEN_ENV}` } } }),
  outputs: {},
});

beforeEach(() => {
  made = [];
  process.env[TOKEN_ENV] = 'not-a-real-secret';
});
afterEach(() => delete process.env[TOKEN_ENV]);

const run = (answer: { version?: string; release?: string }) =>
  new MockActivityEnvironment().run(wrapStepActivity(proxmoxVersion, 'step', answering(answer)), input()).catch((e: unknown) => e);

test('a supported version passes, through the injected client', async () => {
  expect(await run({ version: '8.2.4', release: '8.2' })).toMatchObject({ status: 'passed', outputs: { version: '8.2.4', release: '8.2' } });
  expect(made).toEqual(['https://pve.example.test:8006']);
});

test('an older version fails for good, naming the minimum', async () => {
  expect(await run({ version: '6.4-13', release: '6.4' })).toMatchObject({
    type: 'VersionError',
    nonRetryable: true,
    message: expect.stringMatching(/^Proxmox VE 6\.4-13 is older than the required 7\.0/),
  });
});

test('an answer that is not a version fails for good, quoting it', async () => {
  expect(await run({ release: 'unknown' })).toMatchObject({ type: 'VersionError', message: 'GET /version answered "unknown", which is not a Proxmox VE version' });
});
