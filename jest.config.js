/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only: types are checked once by `tsc --noEmit -p .` (`npm run typecheck`, part of `npm test`), not again
  // per test file by every worker.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['reflect-metadata', '<rootDir>/test/support/worker-database.ts'],
  // Each worker has a database of its own (global-setup.ts); files of one worker run one after another on it and each
  // loads the demo network it starts from and resets what it changes.
  maxWorkers: 2,
  testTimeout: 60000,
};
