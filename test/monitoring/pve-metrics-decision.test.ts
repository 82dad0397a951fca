// step7.pve-metrics against a fake Prometheus client, where that is the honest test: what the step concludes from
// series a real exporter of a healthy simulator never reports (a node offline, a storage it cannot audit, no guests),
// through the same wrapper and client factories the worker uses.
import { MockActivityEnvironment } from '@temporalio/testing';
import { realClientFactories, type ClientFactories } from '../../src/activities/common/clients';
import { wrapStepActivity } from '../../src/activities/common/step-wrapper';
import type { StepInput } from '../../src/catalogue/types';
import type { PrometheusClient, Sample } from '../../src/monitoring/prometheus';
import { testConfig } from '../helpers/plan';
import { runOf } from '../helpers/steps';

type Series = Record<string, Sample[]>;

const HEALTHY: Series = {
  pve_up: [{ metric: { id: 'node/pve1', instance: 'pve-exporter', job: 'pve' }, value: 1 }],
  pve_node_info: [{ metric: { name: 'pve1', nodeid: '1' }, value: 1 }],
  pve_version_info: [{ metric: { version: '8.2.4', release: '8.2', repoid: 'abc' }, value: 1 }],
  pve_cpu_usage_ratio: [{ metric: {}, value: 0.25 }],
  pve_memory_usage_bytes: [{ metric: {}, value: 8 * 1024 ** 3 }],
  pve_memory_size_bytes: [{ metric: {}, value: 64 * 1024 ** 3 }],
  pve_disk_size_bytes: [{ metric: {}, value: 500 * 1024 ** 3 }],
  pve_disk_usage_bytes: [{ metric: {}, value: 100 * 1024 ** 3 }],
  pve_guest_info: [{ metric: { id: 'qemu/9000', name: 'template', template: '1' }, value: 1 }],
};

let queries: string[];

/** Real factories, except a Prometheus that answers each query with the series its metric name selects. */
function answering(series: Series): ClientFactories {
  return {
    ...realClientFactories(),
    prometheus: () => ({
      baseUrl: 'http://prometheus.test:9090',
      query: async (promql: string) => {
        queries.push(promql);
        const name = /(pve_[a-z_]+)/.exec(promql)?.[1] ?? '';
        // Guests' pve_up is asked for with id=~"(qemu|lxc)/.+": none running here.
        if (name === 'pve_up' && promql.includes('qemu|lxc')) return [];
        return series[name] ?? [];
      },
    }) as unknown as PrometheusClient,
  };
}

const input = (): StepInput => ({
  stepId: 'step7.pve-metrics',
  workflowId: 'wf-metrics',
  config: testConfig({ monitoring: { prometheus: 'http://prometheus.test:9090' } }),
  outputs: {},
});

const run = (series: Series) => new MockActivityEnvironment().run(wrapStepActivity(runOf('step7.pve-metrics'), 'step', answering(series)), input()).catch((e: unknown) => e);

beforeEach(() => {
  queries = [];
});

test('every series present: passes with the figures, through the injected client', async () => {
  expect(await run(HEALTHY)).toMatchObject({ status: 'passed', outputs: { node: 'pve1', pveVersion: '8.2.4' }, metrics: { cpuUsageRatio: 0.25, guests: 1 } });
  expect(queries[0]).toBe('last_over_time(pve_up{id="node/pve1"}[5m])');
});

test('the node reported offline fails for good, naming the node and where to look', async () => {
  expect(await run({ ...HEALTHY, pve_up: [{ metric: { id: 'node/pve1' }, value: 0 }] })).toMatchObject({
    type: 'CheckFailed',
    nonRetryable: true,
    message: expect.stringContaining('Proxmox node pve1 is reported offline'),
  });
});

test('a storage the exporter cannot audit fails, naming the series and the privilege', async () => {
  const { pve_disk_size_bytes: _gone, ...rest } = HEALTHY;
  const failure = (await run(rest)) as Error;
  expect(failure).toMatchObject({ type: 'CheckFailed', nonRetryable: true });
  expect(failure.message).toMatch(/but not: pve_disk_size_bytes for storage local-lvm .*grant PVEAuditor on \//);
});

test('no guest metrics is a warning, not a pass', async () => {
  const { pve_guest_info: _none, ...rest } = HEALTHY;
  expect(await run(rest)).toMatchObject({ status: 'warning', message: expect.stringContaining('no guest metrics') });
});
