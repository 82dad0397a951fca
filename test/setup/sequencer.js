// Suites share one Kubernetes control plane. The phase-1 steps suite seeds it without cluster-api-operator and IPAM
// first, so it must run before the charts suite installs the operator's objects; every other suite keeps jest's order.
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = ['test/kubernetes/cozystack-steps.test.ts'];

class SharedClusterSequencer extends Sequencer {
  async sort(tests) {
    const rank = (t) => {
      const i = FIRST.findIndex((f) => t.path.endsWith(f));
      return i === -1 ? FIRST.length : i;
    };
    const sorted = await super.sort(tests);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SharedClusterSequencer;
