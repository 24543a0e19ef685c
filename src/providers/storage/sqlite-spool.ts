import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { SiloError } from '../../errors/silo.error';

/** Log values of at least this many bytes go to the spool unless configured otherwise. */
export const DEFAULT_SPOOL_BYTES = 16 * 1024;

/** A segment takes appends until it holds this much; the next append starts another. */
const SEGMENT_BYTES = 64 * 1024 * 1024;

/** Open segments one instance appends to at once; the least recently used is closed first. */
const MAX_WRITE_SEGMENTS = 64;

/** Segments one instance keeps open for reading. */
const MAX_READ_SEGMENTS = 16;

/**
 * A segment file nobody indexes is left alone this long, so the sweep cannot race the
 * writer that created it and is about to index it.
 */
export const SPOOL_ORPHAN_GRACE_MS = 60 * 60 * 1000;

const SEGMENT_SUFFIX = '.seg';

/** A segment this instance appends to. */
export interface SpoolSegment {
  /** Its row id in `silo_spool`. */
  readonly id: bigint;
  readonly name: string;
  readonly fd: number;
  size: number;
  /** Set when this instance stopped appending to it and closed its descriptor. */
  closed: boolean;
}

/** Reading a segment found no file: the entries were deleted after the index was read. */
export class SpoolSegmentGone extends Error {
  constructor(readonly segment: string) {
    super(`spool segment ${segment} is gone`);
  }
}

/**
 * Parses `SILO_SQLITE_SPOOL_BYTES`: a whole number of bytes, 0 to keep every value in
 * SQLite. Unset gives {@link DEFAULT_SPOOL_BYTES}.
 */
export function parseSpoolBytes(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_SPOOL_BYTES;
  const text = raw.trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new SiloError(
      'SILO341',
      `SILO_SQLITE_SPOOL_BYTES="${raw}" is not a whole number of bytes. Set the size from which log values go to spool files (e.g. 16384), 0 to keep every value in SQLite, or unset it for ${DEFAULT_SPOOL_BYTES}.`,
    );
  }
  return Number(text);
}

/**
 * The file side of SQLite storage's spool: large log values are appended to segment files
 * in a directory beside the database, and SQLite keeps only their index (segment, offset,
 * length). Each instance appends only to segments it created, one per log, so processes
 * never write to the same file; a segment is deleted with the log (or scope) it belongs
 * to, after the transaction that removed its index commits. Segment names are never
 * reused, so a segment read through a cached descriptor holds what its index says.
 */
export class SqliteSpool {
  private readonly prefix = `${process.pid.toString(36)}-${randomBytes(6).toString('hex')}`;
  private sequence = 0;
  private readonly writing = new Map<string, SpoolSegment>();
  private readonly reading = new Map<string, number>();
  private directoryReady = false;

  constructor(
    /** The directory holding the segments. */
    readonly dir: string,
    /** Values of at least this many bytes are spooled; 0 spools none. */
    readonly thresholdBytes: number,
  ) {}

  /** Whether a value of `byteLength` bytes goes to the spool. */
  spools(byteLength: number): boolean {
    return this.thresholdBytes > 0 && byteLength >= this.thresholdBytes;
  }

  /** The segment this instance appends `log`'s values to, if one is open and has room. */
  current(log: string): SpoolSegment | undefined {
    const segment = this.writing.get(log);
    if (segment === undefined) return undefined;
    if (segment.size >= SEGMENT_BYTES) {
      this.forget(log);
      return undefined;
    }
    // Most recently used last, so eviction takes the first.
    this.writing.delete(log);
    this.writing.set(log, segment);
    return segment;
  }

  /** Creates a new, empty segment file; the caller indexes it (or {@link discard}s it). */
  createFile(): { name: string; fd: number } {
    if (!this.directoryReady) {
      this.wrap('create the spool directory', this.dir, () => mkdirSync(this.dir, { recursive: true, mode: 0o700 }));
      this.directoryReady = true;
    }
    const name = `${this.prefix}-${(this.sequence++).toString(36)}${SEGMENT_SUFFIX}`;
    const fd = this.wrap('create the spool file', name, () => openSync(join(this.dir, name), 'wx', 0o600));
    return { name, fd };
  }

  /** Starts appending `log`'s values to an indexed segment. */
  adopt(log: string, segment: SpoolSegment): void {
    if (this.writing.size >= MAX_WRITE_SEGMENTS) {
      const [oldest] = this.writing.keys();
      this.forget(oldest);
    }
    this.writing.set(log, segment);
  }

  /**
   * Appends `value` to `segment`; returns its offset, or undefined when the segment was
   * closed meanwhile (full, evicted, or deleted by another process): take another.
   */
  write(segment: SpoolSegment, value: Uint8Array): number | undefined {
    if (segment.closed) return undefined;
    const offset = segment.size;
    this.wrap('write the spool file', segment.name, () => {
      let written = 0;
      while (written < value.byteLength) {
        written += writeSync(segment.fd, value, written, value.byteLength - written, offset + written);
      }
    });
    segment.size += value.byteLength;
    return offset;
  }

  /**
   * Stops appending to `log`'s segment (it was deleted, is full, or is evicted); with
   * `only`, just when that is still the log's segment.
   */
  forget(log: string, only?: SpoolSegment): void {
    const segment = this.writing.get(log);
    if (segment === undefined || (only !== undefined && segment !== only)) return;
    this.writing.delete(log);
    segment.closed = true;
    closeSync(segment.fd);
  }

  /** Closes a created file that was not indexed and deletes it. */
  discard(file: { name: string; fd: number }): void {
    closeSync(file.fd);
    this.unlinkQuietly(file.name);
  }

  /** Reads `length` bytes at `offset` of segment `name`. */
  read(name: string, offset: number, length: number): Uint8Array {
    const fd = this.readDescriptor(name);
    const out = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n === 0) {
        throw new SiloError(
          'SILO343',
          `The SQLite spool file "${join(this.dir, name)}" ends before the ${length} bytes at offset ${offset} its index names (it holds ${offset + done}): it was truncated or lost, e.g. by a power failure. The execution that wrote it cannot be read; rerun the query.`,
        );
      }
      done += n;
    }
    return new Uint8Array(out.buffer, out.byteOffset, length);
  }

  private readDescriptor(name: string): number {
    const cached = this.reading.get(name);
    if (cached !== undefined) {
      this.reading.delete(name);
      this.reading.set(name, cached);
      return cached;
    }
    let fd: number;
    try {
      fd = openSync(join(this.dir, name), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SpoolSegmentGone(name);
      throw error;
    }
    // Descriptors of segments deleted since they were opened only hold disk space.
    for (const [other, otherFd] of this.reading) {
      if (this.reading.size < MAX_READ_SEGMENTS && fstatSync(otherFd).nlink > 0) continue;
      this.reading.delete(other);
      closeSync(otherFd);
    }
    this.reading.set(name, fd);
    return fd;
  }

  /** Deletes the files of segments whose index rows are gone (after that deletion committed). */
  remove(names: readonly string[]): void {
    for (const name of names) {
      for (const [log, segment] of this.writing) if (segment.name === name) this.forget(log);
      const fd = this.reading.get(name);
      if (fd !== undefined) {
        this.reading.delete(name);
        closeSync(fd);
      }
      this.unlinkQuietly(name);
    }
  }

  /**
   * Deletes segment files no index row names and that are older than `olderThan`
   * (epoch ms): left by a process that died between creating a file and indexing it.
   * Returns how many it deleted.
   */
  sweep(indexed: ReadonlySet<string>, olderThan: number): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith(SEGMENT_SUFFIX) || indexed.has(name)) continue;
      try {
        if (statSync(join(this.dir, name)).mtimeMs >= olderThan) continue;
      } catch {
        continue;
      }
      this.unlinkQuietly(name);
      removed++;
    }
    return removed;
  }

  /** Closes every descriptor. */
  close(): void {
    for (const log of [...this.writing.keys()]) this.forget(log);
    for (const fd of this.reading.values()) closeSync(fd);
    this.reading.clear();
  }

  private unlinkQuietly(name: string): void {
    try {
      unlinkSync(join(this.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  private wrap<T>(what: string, name: string, op: () => T): T {
    try {
      return op();
    } catch (cause) {
      throw new SiloError(
        'SILO342',
        `Could not ${what} "${name.startsWith('/') ? name : join(this.dir, name)}": ${(cause as Error).message}. Free disk space or fix the directory's permissions, or set SILO_SQLITE_SPOOL_BYTES=0 to keep log values in SQLite.`,
        { cause },
      );
    }
  }
}
