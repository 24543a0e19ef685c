/** The wire benchmark's command-line options. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKLOADS, sides, type Side, type Workload } from './workloads';

export interface Options {
  readonly rows: number;
  readonly reps: number;
  readonly workloads: readonly Workload[];
  readonly sides: readonly Side[];
  readonly profile: boolean;
  readonly write: boolean;
  /** Silo's workers start from a start-up snapshot (built into this directory), as `--snapshot` asks. */
  readonly snapshotDir: string | undefined;
  /** A run during which other processes used more than this share of the machine is repeated. */
  readonly maxOthers: number;
}

/** Reads the options from the command line (see bench/wire.bench.ts for the list). */
export function parseOptions(argv: readonly string[], root: string): Options {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const positive = (flag: string, fallback: number) => {
    const raw = value(flag);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a positive integer, got ${raw}`);
    return n;
  };
  const list = <T>(flag: string, all: readonly T[], name: (t: T) => string) => {
    const raw = value(flag);
    if (raw === undefined) return all;
    const wanted = raw.split(',').map((s) => s.trim());
    const unknown = wanted.filter((w) => !all.some((t) => name(t) === w));
    if (unknown.length > 0)
      throw new Error(`${flag}: unknown ${unknown.join(', ')} (choose from ${all.map(name).join(', ')})`);
    return all.filter((t) => wanted.includes(name(t)));
  };
  const profile = argv.includes('--profile');
  const snapshotDir = argv.includes('--snapshot') ? mkdtempSync(join(tmpdir(), 'wire-snapshot-')) : undefined;
  const allSides = Object.values(sides(root, snapshotDir));
  return {
    rows: positive('--rows', 1_000_000),
    reps: positive('--reps', 3),
    workloads: list(
      '--workloads',
      profile && value('--workloads') === undefined ? WORKLOADS.filter((w) => w.id === 'W1') : WORKLOADS,
      (w) => w.id,
    ),
    sides: list('--sides', allSides, (s) => s.name),
    profile,
    write: argv.includes('--write'),
    snapshotDir,
    maxOthers: positive('--max-others', 20) / 100,
  };
}

/** The command line that reproduces this run (for the report). */
export function commandLine(options: Options): string {
  const flags = [`--rows ${options.rows}`];
  if (!options.profile) flags.push(`--reps ${options.reps}`);
  if (
    options.workloads.length !== WORKLOADS.length &&
    !(options.profile && options.workloads.length === 1 && options.workloads[0].id === 'W1')
  ) {
    flags.push(`--workloads ${options.workloads.map((w) => w.id).join(',')}`);
  }
  if (options.sides.length !== 2) flags.push(`--sides ${options.sides.map((s) => s.name).join(',')}`);
  if (!options.profile && options.maxOthers !== 0.2) flags.push(`--max-others ${Math.round(options.maxOthers * 100)}`);
  if (options.profile) flags.push('--profile');
  if (options.snapshotDir !== undefined) flags.push('--snapshot');
  return `npm run bench -- ${flags.join(' ')} --write`;
}
