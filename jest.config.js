/** Jest runs TypeScript through swc with legacy decorators and decorator metadata, as tsc does. */
const { swcOptions, packageSources } = require('./test/support/swc-options');

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
};
