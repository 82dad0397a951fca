// One shared Temporal dev server for the whole run (globalSetup), suites run serially (--runInBand).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: { allowJs: true, esModuleInterop: true, isolatedModules: true } }],
  },
  // @kubernetes/client-node 1.x and some of its dependencies, and @noble/* 2.x, are ESM-only: let ts-jest transform them.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|@noble/curves|@noble/hashes)/)'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testSequencer: '<rootDir>/test/setup/sequencer.js',
  testTimeout: 120_000,
  maxWorkers: 1,
};
