/*
 * Lets a child process started by a test run TypeScript sources directly:
 *   spawn(process.execPath, ['-r', require.resolve('../support/register-ts.js'), 'path/to/script.ts'])
 * It compiles each .ts file with swc using the same options as jest.config.js
 * (legacy decorators + decorator metadata), so processes behave as the built code does.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

// Samples import the package by name, as users do; map it to the sources.
const root = path.resolve(__dirname, '..', '..');
const aliases = {
  'vgi-silo': path.join(root, 'src', 'index.ts'),
  'vgi-silo/testing': path.join(root, 'src', 'testing', 'index.ts'),
  'vgi-silo/testing/storage': path.join(root, 'src', 'testing', 'storage-conformance.ts'),
};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveWithAliases(request, ...rest) {
  return resolveFilename.call(this, aliases[request] ?? request, ...rest);
};
