/*
 * Lets a child process started by a test run TypeScript sources directly:
 *   spawn(process.execPath, ['-r', require.resolve('../support/register-ts.js'), 'path/to/script.ts'])
 * It compiles each .ts file with swc using the same options as jest (swc-options.js:
 * legacy decorators + decorator metadata), so processes behave as the built code does.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');
const { swcOptions, packageSources } = require('./swc-options');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { filename, ...swcOptions });
  module._compile(code, filename);
};

// Samples import the package by name, as users do; map it to the sources.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveWithAliases(request, ...rest) {
  return resolveFilename.call(this, packageSources[request] ?? request, ...rest);
};
