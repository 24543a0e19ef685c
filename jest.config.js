/** Jest runs TypeScript through swc with legacy decorators and decorator metadata, as tsc does. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/samples'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Samples import the package by name, as users do; tests run them from source.
  moduleNameMapper: {
    '^vgi-silo$': '<rootDir>/src/index.ts',
    '^vgi-silo/testing$': '<rootDir>/src/testing/index.ts',
    '^vgi-silo/testing/storage$': '<rootDir>/src/testing/storage-conformance.ts',
  },
  testTimeout: 30000,
};
