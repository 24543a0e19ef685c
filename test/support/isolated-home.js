/*
 * The test run, and every process it starts, gets a throw-away home: worker defaults (the
 * SQLite file and the host secret key under ~/.local/state/silo) and tools' user caches
 * would otherwise land in the developer's real home. jest.config.js calls this when jest
 * loads it, before any transformer, test worker or child process starts, so they all
 * inherit the environment; globalTeardown (isolated-home-teardown.js) removes the home.
 */
'use strict';
const { mkdtempSync, mkdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const MARKER = 'SILO_TEST_HOME';

function isolateHome() {
  if (process.env[MARKER]) return process.env[MARKER];
  const home = mkdtempSync(join(tmpdir(), 'silo-test-home-'));
  const state = join(home, '.local', 'state');
  mkdirSync(state, { recursive: true });
  Object.assign(process.env, {
    [MARKER]: home,
    HOME: home,
    USERPROFILE: home,
    XDG_STATE_HOME: state,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
  });
  // swc's native binding is unpacked into a user cache on first load; keep one beside the
  // dependencies instead of unpacking it into each run's throw-away home.
  process.env.SWC_NATIVE_BINDING_CACHE ??= resolve(__dirname, '..', '..', 'node_modules', '.cache', 'swc-native');
  // A developer's own paths must not reach the tests either: without them the defaults
  // apply, under the XDG_STATE_HOME above.
  delete process.env.SILO_SQLITE_PATH;
  delete process.env.SILO_SECRET_KEY_FILE;
  return home;
}

function removeHome() {
  const home = process.env[MARKER];
  if (home && home.startsWith(tmpdir())) rmSync(home, { recursive: true, force: true });
}

module.exports = { isolateHome, removeHome };
