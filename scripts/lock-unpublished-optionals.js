#!/usr/bin/env node
/**
 * Records, in package-lock.json, the platform binaries a locked package lists in its
 * optionalDependencies but that were never published at that version.
 *
 * Why: @duckdb/node-bindings@1.5.3-r.3 (the DuckDB the vgi 1.5.3 extension needs) lists
 * binaries for eight platforms, but only the two linux-x64 ones exist on the registry.
 * npm 11 leaves any optional dependency the registry does not have out of the lock file,
 * then `npm ci` rejects that very lock file ("Missing: @duckdb/node-bindings-darwin-arm64@
 * from lock file"). An entry carrying the binary's os/cpu/libc (taken from its nearest
 * published version) satisfies `npm ci`; on a matching platform npm tries it, finds
 * nothing and skips it as a failed optional dependency, which is what happens without a
 * lock file too. `npm install` keeps these entries, so the lock file stays unchanged.
 *
 * Run after anything that rewrites the lock file: `node scripts/lock-unpublished-optionals.js`.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const lockPath = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

/** Every published version of a package with its platform fields, or null when there is none. */
function published(name) {
  try {
    const out = execFileSync('npm', ['view', name, 'versions', '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const versions = JSON.parse(out);
    return Array.isArray(versions) ? versions : [versions];
  } catch {
    return null;
  }
}

function platformOf(name, version) {
  const out = execFileSync('npm', ['view', `${name}@${version}`, 'os', 'cpu', 'libc', '--json'], { encoding: 'utf8' });
  const fields = out.trim() ? JSON.parse(out) : {};
  return { os: fields.os, cpu: fields.cpu, libc: fields.libc };
}

/** Where npm would look for `name` from the package at `from`: the nearest node_modules up the tree. */
function resolvedEntry(from, name) {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return null;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at < 0 ? '' : dir.slice(0, at);
  }
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolvedEntry(path, name)) continue;
    const versions = published(name);
    if (versions?.includes(version)) {
      console.error(
        `${name}@${version} is published but missing from the lock file: run npm install --package-lock-only first.`,
      );
      process.exitCode = 1;
      continue;
    }
    if (!versions?.length) {
      console.error(`${name} has no published version to take its platform from; left out.`);
      continue;
    }
    const platform = platformOf(name, versions[versions.length - 1]);
    // Field order as npm writes it: version, then the rest alphabetically.
    const placeholder = { version };
    if (platform.cpu) placeholder.cpu = platform.cpu;
    if (entry.dev) placeholder.dev = true;
    if (platform.libc) placeholder.libc = platform.libc;
    placeholder.optional = true;
    if (platform.os) placeholder.os = platform.os;
    packages[`node_modules/${name}`] = placeholder;
    console.log(
      `recorded ${name}@${version} (unpublished) for ${[platform.os, platform.cpu, platform.libc].flat().filter(Boolean).join('/')}`,
    );
    added++;
  }
}

if (added) {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))),
  );
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(
  added ? `${added} entries added to package-lock.json` : 'package-lock.json already lists every optional dependency',
);
