#!/usr/bin/env node
/*
 * Writes docs/errors.md from the error code table (src/errors/error-codes.ts).
 * Usage: npm run docs:errors
 */
'use strict';
require('../test/support/register-ts.js');
const fs = require('node:fs');
const path = require('node:path');
const { renderErrorDocs } = require('../src/errors/error-docs.ts');

const target = path.join(__dirname, '..', 'docs', 'errors.md');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, renderErrorDocs());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
