// The wire benchmark's peer: the same three buffering functions as Silo's side
// (conformance `buffer_input`, bench `key_sum` and `sort_by_key`), written on the
// vendor's SDK (@query-farm/vgi 0.36.1 + @query-farm/vgi-rpc 0.25.4) and served as
// catalog `bench` on stdin/stdout. Same algorithms, same storage layout, same kernels
// (the compiled bench/functions/kernels.ts), so the two sides differ only by framework.
//
// Usage: node bench/vendor-worker/main.mjs   (after `npx tsc -p bench/tsconfig.json`)
// Env:   VENDOR_SQLITE_PATH   the SQLite file every worker process of a run shares.
//
// On Node 20 the SDK's bundled dist loads although it declares Node >= 22.15; only its
// default storage (bun:sqlite) does not, hence setStorage() with better-sqlite3.
import { createRequire } from 'node:module';
import { Worker, defineTableBufferingFunction, deserializeBatch, serializeBatch, setStorage } from '@query-farm/vgi';
import {
  KEY_COLUMN,
  SUMS_SCHEMA,
  TEXT_COLUMN,
  VALUE_COLUMN,
  assertBenchInput,
  batchOfColumns,
  batchOfSums,
  columnsOf,
  keysAndValuesOf,
  sumsOf,
} from './arrow-columns.mjs';
import { BetterSqliteFunctionStorage } from './sqlite-storage.mjs';

const require = createRequire(import.meta.url);
const {
  CHUNK_ROWS,
  PARTITIONS,
  gatherRows,
  mergeSums,
  partedColumns,
  partialSums,
  sliceSums,
  sortOrder,
  sortedSums,
} = require('../../dist/bench/functions/kernels.js');

const path = process.env.VENDOR_SQLITE_PATH;
if (!path) {
  process.stderr.write('vendor bench worker: set VENDOR_SQLITE_PATH to the SQLite file the run shares\n');
  process.exit(2);
}
setStorage(new BetterSqliteFunctionStorage(path));

const text = (s) => new TextEncoder().encode(s);
const NS_BUF = text('buf');
const NS_PARTIALS = text('partials');
const NS_RESULT = text('result');
const NS_INPUT = text('input');
const NS_SORTED = text('sorted');
const EMPTY = new Uint8Array(0);

/** One stored batch per tick from the log (ns, key), after the cursor; finish at the end. */
async function drainOne(storage, ns, key, state, out) {
  const [entry] = await storage.stateLogScan(ns, key, state.afterId, 1);
  if (!entry) return out.finish();
  out.emit(deserializeBatch(entry[1]));
  state.afterId = entry[0];
}

/** Every entry of a log, page by page (as Silo's BoundStorage.logEntries pages by 256). */
async function* logEntries(storage, ns, key) {
  let afterId = -1;
  for (;;) {
    const page = await storage.stateLogScan(ns, key, afterId, 256);
    for (const entry of page) yield entry;
    if (page.length < 256) return;
    afterId = page[page.length - 1][0];
  }
}

const bufferInput = defineTableBufferingFunction({
  name: 'buffer_input',
  description: 'Collects all input batches and emits during finalization',
  categories: ['utility', 'buffer'],
  process: async (batch, params) => {
    await params.storage.stateAppend(NS_BUF, EMPTY, serializeBatch(batch));
    return params.executionId;
  },
  combine: (_stateIds, params) => [params.executionId],
  initialFinalizeState: () => ({ afterId: -1 }),
  finalize: (params, _fid, state, out) => drainOne(params.storage, NS_BUF, EMPTY, state, out),
});

const keySum = defineTableBufferingFunction({
  name: 'key_sum',
  description: 'Sum of v per key k, merged in 4 parallel finalize streams (benchmark)',
  categories: ['benchmark', 'aggregation'],
  onBind: ({ bindCall }) => {
    assertBenchInput(bindCall.input_schema, 'key_sum', [KEY_COLUMN, VALUE_COLUMN]);
    return { outputSchema: SUMS_SCHEMA };
  },
  process: async (batch, params) => {
    const { keys, values } = keysAndValuesOf(batch);
    const parts = partialSums(keys, values, PARTITIONS);
    await Promise.all(
      parts.map((part, p) =>
        part.keys.length > 0
          ? params.storage.stateAppend(NS_PARTIALS, text(String(p)), serializeBatch(batchOfSums(part)))
          : undefined,
      ),
    );
    return params.executionId;
  },
  combine: () => Array.from({ length: PARTITIONS }, (_, p) => text(String(p))),
  initialFinalizeState: () => ({ staged: false, afterId: -1 }),
  finalize: async (params, fid, state, out) => {
    if (!state.staged) {
      const totals = new Map();
      for await (const [, value] of logEntries(params.storage, NS_PARTIALS, fid))
        mergeSums(totals, sumsOf(deserializeBatch(value)));
      const result = sortedSums(totals);
      for (let at = 0; at < result.keys.length; at += CHUNK_ROWS) {
        await params.storage.stateAppend(
          NS_RESULT,
          fid,
          serializeBatch(batchOfSums(sliceSums(result, at, Math.min(result.keys.length, at + CHUNK_ROWS)))),
        );
      }
      state.staged = true;
    }
    await drainOne(params.storage, NS_RESULT, fid, state, out);
  },
});

const sortByKey = defineTableBufferingFunction({
  name: 'sort_by_key',
  description: 'Global sort of the input by k (benchmark)',
  categories: ['benchmark', 'sort'],
  onBind: ({ bindCall }) => {
    assertBenchInput(bindCall.input_schema, 'sort_by_key', [KEY_COLUMN, VALUE_COLUMN, TEXT_COLUMN]);
    return { outputSchema: bindCall.input_schema };
  },
  process: async (batch, params) => {
    await params.storage.stateAppend(NS_INPUT, EMPTY, serializeBatch(batch));
    return params.executionId;
  },
  combine: async (_stateIds, params) => {
    const parts = [];
    for await (const [, value] of logEntries(params.storage, NS_INPUT, EMPTY))
      parts.push(columnsOf(deserializeBatch(value)));
    const all = partedColumns(parts);
    const order = sortOrder(all.keys);
    for (let at = 0; at < all.length; at += CHUNK_ROWS) {
      const chunk = gatherRows(all, order, at, Math.min(all.length, at + CHUNK_ROWS));
      await params.storage.stateAppend(NS_SORTED, EMPTY, serializeBatch(batchOfColumns(params.outputSchema, chunk)));
    }
    return [params.executionId];
  },
  initialFinalizeState: () => ({ afterId: -1 }),
  finalize: (params, _fid, state, out) => drainOne(params.storage, NS_SORTED, EMPTY, state, out),
});

new Worker({
  catalog: { name: 'bench', schemas: [{ name: 'main', functions: [bufferInput, keySum, sortByKey] }] },
}).run();
