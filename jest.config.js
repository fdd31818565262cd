/** Jest: swc transpiles only; `tsc --noEmit` type-checks separately (see npm test). */
const os = require('node:os');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // middy and hyparquet(-writer) are ESM-only: let swc transform them.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|hyparquet-writer|hyparquet)/)'],
  testTimeout: 60_000,
  // Jest's default is cores - 1, which on a 2-core machine means one file at a time in the main process. The suite
  // waits on HTTP (DynamoDB Local, s3rver, the emulator) about a third of the time, so two workers fill both cores.
  // Both share the services of the global setup (isolation is by unique table and bucket names).
  maxWorkers: Math.max(2, (os.availableParallelism?.() ?? os.cpus().length) - 1),
  // The slowest test files after every run (CI output).
  reporters: ['default', '<rootDir>/test/support/slowest-reporter.cjs'],
  // One set of embedded AWS services (DynamoDB Local + s3rver) for the whole run; endpoints reach workers via env.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
