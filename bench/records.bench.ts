/**
 * The records every call carries, written and read the general way (apache-arrow builders
 * and readers) against the direct one-row codec Silo uses now: CPU µs per operation, the
 * two alternating round by round in one process, so both see the same machine.
 *
 *   npm run bench:records [-- --rounds 6 --ops 2000]
 *
 * Run once as it is (after warm-up, V8's optimizing compiler has compiled the hot code) and
 * once under `--no-opt` (the interpreter and baseline code a freshly started worker runs
 * for its first thousands of calls); the table shows both, median and range over rounds.
 */
import { spawnSync } from 'node:child_process';
import { type RecordBatch, type Schema } from 'apache-arrow';
import { makeRowsBatch, readIpcStream, serializeBatch } from '../src/arrow';
import {
  decodeRecord,
  decodeRequestBytes,
  encodeRecord,
  encodeRequest,
  encodeUnaryResponse,
  MetadataKey,
  PROCESS_REQUEST_SCHEMA,
  PROCESS_RESPONSE_SCHEMA,
  readRecordBatch,
  RESULT_BINARY_SCHEMA,
} from '../src/protocol';
import { toWireRow } from '../src/protocol/record.codec';
import { machine } from './results-md';
import { makeInput } from './wire/input-data';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROUNDS = flag('rounds', 6);
const OPS = flag('ops', 2000);

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const input = makeInput(4096).batches[0].slice(0, 2048);
const inputBytes = serializeBatch(input);
const request = {
  functionName: 'buffer_input',
  executionId: new Uint8Array(16).fill(7),
  inputBatch: inputBytes,
  attachOpaqueData: new Uint8Array(24).fill(3),
  transactionId: null,
  batchIndex: null,
  schemaPath: ['main'],
};
const stateId = new Uint8Array(16).fill(9);
const ctx = { serverId: 'silo-0123456789ab', requestId: '0123456789abcdef' };
const answerMetadata = new Map([
  [MetadataKey.serverId, ctx.serverId],
  [MetadataKey.requestId, ctx.requestId],
]);

const general = (schema: Schema, value: Record<string, unknown>, metadata?: Map<string, string>): Uint8Array =>
  serializeBatch(makeRowsBatch(schema, [toWireRow(schema.fields, value)], metadata));
const readGeneral = (bytes: Uint8Array, schema: Schema): Record<string, unknown> => {
  const batches: RecordBatch[] = readIpcStream(bytes, 'bench').batches;
  return readRecordBatch(batches[0], schema, 'bench');
};

const recordBytes = general(PROCESS_REQUEST_SCHEMA, request);
const fullRequest = encodeRequest('table_buffering_process', request, { requestId: ctx.requestId });

/** Each case: the general way and the direct way of the same work. */
const CASES: readonly { name: string; general: () => unknown; direct: () => unknown }[] = [
  {
    name: 'read the process request record (7 fields, an 82 KB input batch cell)',
    general: () => readGeneral(recordBytes, PROCESS_REQUEST_SCHEMA),
    direct: () => decodeRecord(recordBytes, PROCESS_REQUEST_SCHEMA, 'bench'),
  },
  {
    name: 'write the process request record',
    general: () => general(PROCESS_REQUEST_SCHEMA, request),
    direct: () => encodeRecord(PROCESS_REQUEST_SCHEMA, request, 'bench'),
  },
  {
    name: 'write the process answer (state id record in a `result` cell, 2 metadata keys)',
    general: () =>
      general(RESULT_BINARY_SCHEMA, { result: general(PROCESS_RESPONSE_SCHEMA, { stateId }) }, answerMetadata),
    direct: () => encodeUnaryResponse('table_buffering_process', stateId, ctx),
  },
];

function measure(run: () => unknown): number {
  const start = cpuMicros();
  for (let i = 0; i < OPS; i++) run();
  return (cpuMicros() - start) / OPS;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: readonly number[]): string =>
  `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;

/** This process's figures, as JSON lines: one per case and way. */
function runHere(): { name: string; general: number[]; direct: number[]; whole: number[] }[] {
  // Warm-up: one round of each, not counted.
  for (const c of CASES) {
    measure(c.general);
    measure(c.direct);
  }
  const out = CASES.map((c) => ({ name: c.name, general: [] as number[], direct: [] as number[], whole: [] }));
  const whole: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    CASES.forEach((c, i) => {
      out[i].general.push(measure(c.general));
      out[i].direct.push(measure(c.direct));
    });
    whole.push(
      measure(() => {
        if (!decodeRequestBytes(fullRequest).ok) throw new Error('the bench request was refused');
      }),
    );
  }
  return [
    ...out,
    {
      name: 'decode a whole process request (outer batch, record, input batch)',
      general: [],
      direct: whole,
      whole: [],
    },
  ];
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify(runHere()));
} else {
  console.log(`records: ${ROUNDS} rounds × ${OPS} operations per way, ${machine()}`);
  const tiers = [
    { name: 'optimized (warm)', flags: [] as string[] },
    { name: 'baseline tier (`--no-opt`)', flags: ['--no-opt'] },
  ];
  console.log('');
  console.log('| operation | V8 tier | general, CPU µs | direct, CPU µs | ratio |');
  console.log('|---|---|---:|---:|---:|');
  for (const tier of tiers) {
    const child = spawnSync(
      process.execPath,
      [...tier.flags, ...process.execArgv, __filename, ...process.argv.slice(2), '--child'],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    if (child.status !== 0) throw new Error(`the ${tier.name} run failed:\n${child.stderr}`);
    for (const row of JSON.parse(child.stdout) as ReturnType<typeof runHere>) {
      const ratio = row.general.length > 0 ? `${(median(row.general) / median(row.direct)).toFixed(1)}×` : '';
      console.log(
        `| ${row.name} | ${tier.name} | ${row.general.length > 0 ? range(row.general) : '—'} | ${range(row.direct)} | ${ratio} |`,
      );
    }
  }
}
