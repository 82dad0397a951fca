// Reads survive injected transient faults (20 % 500/503 answers plus latency) through the in-client retry.
import { Simulator, startSim, tokenClient } from './helpers';

describe('retry of reads under injected faults', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('every GET of a run of 60 succeeds with errorRate 0.2 and 15 ms latency', async () => {
    const client = tokenClient(sim, { readRetry: { maxAttempts: 8, initialDelayMs: 10, maxDelayMs: 100 } });
    sim.faults.set({ errorRate: 0.2, latencyMs: 15 });
    const before = sim.requestCount();
    try {
      const calls = [
        () => client.version(),
        () => client.nodes(),
        () => client.nodeStatus('pve1'),
        () => client.storages('pve1'),
        () => client.networks('pve1'),
        () => client.qemuConfig('pve1', 9000),
      ];
      const results = [];
      for (let i = 0; i < 60; i++) results.push(await calls[i % calls.length]());
      expect(results.every((r) => r !== undefined && r !== null)).toBe(true);
      // The faults were real: more requests reached the server than calls were made.
      expect(sim.requestCount() - before).toBeGreaterThan(60);
    } finally {
      sim.faults.clear();
      client.close();
    }
  });
});
