import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTsLoader, resolveEntryCommand } from '../../../src/cli/entry-command';

describe('resolveEntryCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-entry-'));
  writeFileSync(join(dir, 'worker.js'), '');
  writeFileSync(join(dir, 'worker.ts'), '');
  writeFileSync(join(dir, 'notes.txt'), '');

  it('should run a .js entry with this node, by absolute path, with extra flags appended', () => {
    expect(resolveEntryCommand('worker.js', ['--unix', '/tmp/s.sock'], dir)).toEqual({
      command: [process.execPath, join(dir, 'worker.js'), '--unix', '/tmp/s.sock'],
      kind: 'js',
    });
  });

  it("should run a .ts entry through the repository's loader", () => {
    const loader = findTsLoader();
    expect(loader).toBe(join(__dirname, '..', '..', 'support', 'register-ts.js'));
    expect(resolveEntryCommand(join(dir, 'worker.ts'))).toEqual({
      command: [process.execPath, '-r', loader, join(dir, 'worker.ts')],
      kind: 'ts',
    });
  });

  it('should run anything with a space that is not a file as a shell command, quoting extra flags', () => {
    expect(resolveEntryCommand('node dist/worker.js --verbose', ['--unix', "/tmp/it's.sock"], dir)).toEqual({
      command: ['/bin/sh', '-c', "node dist/worker.js --verbose --unix '/tmp/it'\\''s.sock'"],
      kind: 'shell',
    });
  });

  it('should refuse a missing file, an empty entry and a file that is not a worker entry', () => {
    expect(() => resolveEntryCommand('nope.js', [], dir)).toThrow(
      `[SILO610] The entry "nope.js" does not exist (looked for ${join(dir, 'nope.js')}). Give the path of a worker entry file, or a full command in quotes.`,
    );
    expect(() => resolveEntryCommand('  ', [], dir)).toThrow(
      '[SILO610] The worker entry is empty. Give a .js or .ts file, or a full command in quotes.',
    );
    expect(() => resolveEntryCommand('notes.txt', [], dir)).toThrow(
      '[SILO610] The entry "notes.txt" is neither a .js nor a .ts file. Give a worker entry file, or a full command in quotes (e.g. "node dist/worker.js").',
    );
  });

  it('should find no TypeScript loader outside the Silo repository', () => {
    expect(findTsLoader(dir)).toBeNull();
  });
});
