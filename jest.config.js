/** Jest runs TypeScript through swc with legacy decorators and decorator metadata, as tsc does. */
const { swcOptions, packageSources } = require('./test/support/swc-options');
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
  testTimeout: 30000,
  globalTeardown: '<rootDir>/test/support/isolated-home-teardown.js',
};
