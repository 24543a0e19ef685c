/** Jest runs TypeScript through swc with legacy decorators and decorator metadata, as tsc does. */
const { swcOptions, packageSources } = require('./test/support/swc-options');
const { availableParallelism } = require('node:os');
const { isolateHome } = require('./test/support/isolated-home');

// A throw-away HOME / XDG_STATE_HOME for the run and every process it starts (set now,
// before jest loads a transformer or starts a worker).
isolateHome();

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/samples'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Samples import the package by name, as users do; tests run them from source.
  moduleNameMapper: Object.fromEntries(Object.entries(packageSources).map(([name, file]) => [`^${name}$`, file])),
  // Most suites wait on worker processes, DuckDB or npm rather than compute, so two run at
  // once even on two cores (jest's default there is one): the whole run takes about half as long.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  testTimeout: 30000,
  globalTeardown: '<rootDir>/test/support/isolated-home-teardown.js',
};
