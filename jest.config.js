/** Jest: swc transpiles only; `tsc --noEmit` type-checks separately (see npm test). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // middy is ESM-only: let swc transform it.
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  testTimeout: 60_000,
  // One set of embedded AWS services (DynamoDB Local + s3rver) for the whole run; endpoints reach workers via env.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
