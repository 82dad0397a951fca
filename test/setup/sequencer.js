// Suites share one Kubernetes control plane. The phase-1 steps suite seeds it without cluster-api-operator and IPAM
// first, so it must run before the charts suite installs the operator's objects. The rest run in path order, the
// same on every machine and every run (jest's default order follows its cache of earlier runs' failures and
// durations), so that a failure one run shows, the next run reproduces.
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = ['test/kubernetes/cozystack-steps.test.ts'];

class SharedClusterSequencer extends Sequencer {
  async sort(tests) {
    const rank = (t) => {
      const i = FIRST.findIndex((f) => t.path.endsWith(f));
      return i === -1 ? FIRST.length : i;
    };
    return [...tests].sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

module.exports = SharedClusterSequencer;
