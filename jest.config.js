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
};
