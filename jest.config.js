/** Two tiers: unit specs beside the code, integration/e2e tests under test/. */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
module.exports = {
  testTimeout: 120000,
  // Every service's log lines go to one directory per run; the teardown fails the run on a leak.
  globalSetup: '<rootDir>/test/support/log-scan.global-setup.ts',
  globalTeardown: '<rootDir>/test/support/log-scan.global-teardown.ts',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/log-capture.setup.ts'],
      transform,
    },
  ],
};
