/*
 * How TypeScript sources run outside the build, shared by jest (jest.config.js) and by
 * child processes of tests (register-ts.js): swc with legacy decorators and decorator
 * metadata, as tsc compiles them; and the package's import names mapped to its sources,
 * because samples import `vgi-silo` as users do.
 */
'use strict';
const path = require('node:path');

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const root = path.resolve(__dirname, '..', '..');

/** Package import names → their source files. */
const packageSources = {
  'vgi-silo': path.join(root, 'src', 'index.ts'),
  'vgi-silo/testing': path.join(root, 'src', 'testing', 'index.ts'),
  'vgi-silo/testing/storage': path.join(root, 'src', 'testing', 'storage-conformance.ts'),
  'vgi-silo/client': path.join(root, 'src', 'client', 'index.ts'),
  'vgi-silo/server': path.join(root, 'src', 'server-api.ts'),
  'vgi-silo/arrow': path.join(root, 'src', 'apache-arrow.ts'),
};

module.exports = { swcOptions, packageSources };
