/**
 * Options and results of `runFunction`: one query of a buffering function driven over
 * the wire through real worker processes.
 */
import { type RecordBatch, type Schema, type Table } from 'apache-arrow';
import { type DriveOptions } from '../../lifecycle';
import { type LogRecord } from '../../protocol';
import { type DiscoveredFunction } from '../discovery';
import { type ProtocolChoice, type ProtocolVersion } from '../protocol-choice';
import type { DestructorOutcome } from './destructor-outcome';

export type { DestructorOutcome };

/** A secret the run can hand to the function (DuckDB's secret manager, in miniature). */
export interface ClientSecret {
  /** The secret's name (the struct column it travels in). */
  readonly name: string;
  /** Its secret type, e.g. `s3`. */
  readonly type: string;
  readonly provider?: string;
  /** Scope prefixes, e.g. `['s3://bucket/']`; none = matches every scope. */
  readonly scope?: readonly string[];
  /** Its key/value pairs. */
  readonly values: Readonly<Record<string, string | number | bigint | boolean>>;
}

/**
 * A TABLE input read as the run goes: the schema is known up front (bind needs it), the
 * batches are pulled one at a time, in order, when a sink connection takes its next
 * morsel. `numRows` is the row count when known beforehand (progress shows it).
 *
 * @example
 * ```ts
 * const input: RunInputSource = { schema, batches: () => readBatchesOf(file) };
 * await runFunction({ command, function: 'buffer_input', input });
 * ```
 */
export interface RunInputSource {
  readonly schema: Schema;
  batches(): AsyncIterator<RecordBatch> | Iterator<RecordBatch>;
  readonly numRows?: number;
}

/** Where a run is. */
export interface RunProgress {
  readonly phase: 'discovery' | 'bind' | 'sink' | 'combine' | 'finalize' | 'destructor' | 'done';
  readonly totalRows: number;
  readonly totalBatches: number;
  /** Rows and batches processed by the sink so far. */
  readonly rowsIn: number;
  readonly batchesIn: number;
  /** Finalize streams: how many the combine returned, how many reached their end. */
  readonly streamsTotal: number;
  readonly streamsDone: number;
  /** Output rows received so far. */
  readonly rowsOut: number;
}

/** A log batch a worker sent during the run. */
export interface RunLog extends LogRecord {
  /** The lifecycle step that carried it. */
  readonly phase: 'discovery' | 'bind' | 'sink-init' | 'process' | 'combine' | 'finalize' | 'destructor';
  /** The worker process (`null` over HTTP). */
  readonly pid: number | null;
  /** Over HTTP: the worker base URL whose answer carried it. */
  readonly url?: string;
}

/** One HTTP request of a run (runs on `urls`). */
export interface RunRequest {
  /** The lifecycle step it belongs to. */
  readonly phase: RunLog['phase'];
  /** What it asked: a unary method's name, `init` (a stream's `/init`), `exchange` (a finalize stream's next turn) or `cancel`. */
  readonly call: string;
  /** The worker base URL it went to. */
  readonly url: string;
}

/**
 * Options of `runFunction`. The workers are either processes this run starts (`command`)
 * or HTTP workers already serving (`urls`); give exactly one of the two.
 */
export interface RunFunctionOptions extends DriveOptions {
  /** The worker command, e.g. `[process.execPath, 'dist/samples/worker.js']`. Every connection is a process of its own. */
  readonly command?: readonly string[];
  /**
   * HTTP workers instead of processes: base URLs as `silo serve <entry> --http PORT` prints
   * them (e.g. `http://10.0.0.7:8080/vgi`). With several, every request — each sink init,
   * process call, the combine, each finalize `/init` and `/exchange` turn, the destructor
   * — goes to the next URL in turn: HTTP workers keep no per-query state in memory, they
   * share storage and a token signing key (`SILO_SIGNING_KEY`).
   */
  readonly urls?: readonly string[];
  /** Over HTTP: the bearer token sent with every request (one of the workers' `SILO_AUTH_TOKENS`). */
  readonly authToken?: string;
  /**
   * Over HTTP: a worker not connected within this many milliseconds counts as refusing
   * (the request goes to the next URL; the worker rests a while). Default 10 000.
   */
  readonly connectTimeoutMs?: number;
  /** Over HTTP: abandon the run when a worker has not answered a request within this many milliseconds (SILO611). Default: no limit. */
  readonly requestTimeoutMs?: number;
  /** Over HTTP: gzip request bodies of 16 KiB or more (input batches), for slow links. Default false. */
  readonly compressRequests?: boolean;
  /** The workers' environment (storage shared across processes: `SILO_STORAGE=sqlite`, `SILO_SQLITE_PATH`, `SILO_SECRET_KEY`). Processes only. */
  readonly env?: NodeJS.ProcessEnv;
  /** The workers' working directory. Processes only. */
  readonly cwd?: string;
  /** The catalog to attach; default the worker's only catalog. */
  readonly catalog?: string;
  /**
   * The protocol version to speak: `2.0.0` (alias `vgi.v2`), or wire generation A at
   * `1.3.0` or `1.0.0` (the `vgi` extension on npm). `auto` (default) asks the worker:
   * vgi.v2 first, then 1.3.0, then 1.0.0 while it refuses the version as a protocol
   * problem; `result.protocol` says which one it spoke. A worker refusing them all is SILO612.
   */
  readonly protocol?: ProtocolChoice;
  /** The function: `name` or `schema.name`. */
  readonly function: string;
  /** The schema of the function (instead of `schema.name`). */
  readonly schema?: string;
  /**
   * The TABLE input: a table, or a {@link RunInputSource} whose batches are read only as
   * the sink takes them (so a large file never sits in memory whole). An empty input runs
   * nothing, as in DuckDB.
   */
  readonly input: Table | RunInputSource;
  /**
   * Arguments by parameter name, positional and named alike: `{ k: 5n, by: 'fare' }` — or
   * a function of the discovered function returning them (to parse text against the
   * declared types, as `silo run --arg` does).
   */
  readonly args?: Readonly<Record<string, unknown>> | ((fn: DiscoveredFunction) => Readonly<Record<string, unknown>>);
  /**
   * Sink connections (DuckDB threads), each its own worker process (over HTTP: its own
   * sequence of requests). Default 1; 1 when the function is sink-order-dependent.
   */
  readonly sinkConnections?: number;
  /** @deprecated The old name of {@link sinkConnections} (the same number; give one of the two). */
  readonly sinkWorkers?: number;
  /** Finalize streams running at once. Default: the number of sink connections (1 when source-order-dependent). */
  readonly finalizeParallelism?: number;
  /**
   * `fresh` (default): every finalize stream runs on a new worker process, as DuckDB with
   * `pool false` — the strictest check that state lives in shared storage. `pooled`: a
   * process whose stream ended serves a later stream, as DuckDB's process pool does.
   * Either way a finalize stream never runs on a sink process. Over HTTP there are no
   * processes to choose: every turn goes to the next URL.
   */
  readonly finalizeProcesses?: 'fresh' | 'pooled';
  /** DuckDB settings the function requires (`required_settings`), by name. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Secrets for `required_secrets` and the two-pass bind lookup. */
  readonly secrets?: readonly ClientSecret[];
  /** Cancels the run: live finalize streams get a cancel tick, busy sink workers are dropped, the destructor runs. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RunProgress) => void;
  /**
   * Every output batch as it arrives (after projection and `limit`), streams interleaved
   * as they answer. With `keepOutput: false` the batches are handed here only and
   * `result.output` is empty, so an output of any size passes through bounded memory.
   */
  readonly onOutputBatch?: (batch: RecordBatch) => void;
  /** Keep the output batches for `result.output` (default true). */
  readonly keepOutput?: boolean;
  /** Every worker log batch as it arrives (they are also returned). */
  readonly onLog?: (log: RunLog) => void;
  /** Worker stderr as it arrives (its tail is always kept for crash reports). Processes only. */
  readonly onStderr?: (pid: number | null, chunk: string) => void;
  /**
   * Over HTTP: every request as it is sent, with the URL it goes to (they are also returned).
   * Includes attempts a worker refused the connection for, which are then resent to the next URL.
   */
  readonly onRequest?: (request: RunRequest) => void;
  /**
   * Once the run's execution is over, however the run ended (success, failure, cancel):
   * whether the destructor confirmed it ended the execution. Not called when no
   * execution was minted. A caller with access to the workers' storage may end the
   * execution itself when the destructor failed (`silo run` does).
   */
  readonly onDestructor?: (outcome: DestructorOutcome) => void;
}

/** Process ids of each lifecycle step (empty and `null` over HTTP: see `RunFunctionResult.requests`). */
export interface RunPids {
  /** One per sink connection that sank at least one batch, the primary first. */
  readonly sink: number[];
  /** The sink connection that ran combine (`null` without input). */
  readonly combine: number | null;
  /** One per finalize stream, in finalize-state-id order (repeats when `finalizeProcesses` is `pooled`). */
  readonly finalize: number[];
  /** The process that ran the destructor (`null` when no execution was minted). */
  readonly destructor: number | null;
}

/** Milliseconds spent per step. */
export interface RunTimings {
  readonly discoveryMs: number;
  readonly bindMs: number;
  readonly sinkMs: number;
  readonly combineMs: number;
  readonly finalizeMs: number;
  readonly destructorMs: number;
  readonly totalMs: number;
}

/** What `runFunction` returns. */
export interface RunFunctionResult {
  /** The output rows: each finalize stream's batches, streams in finalize-state-id order. */
  readonly output: Table;
  /** The bound output schema (before projection). */
  readonly outputSchema: Schema;
  readonly logs: readonly RunLog[];
  readonly pids: RunPids;
  /**
   * Over HTTP: every request in the order sent, with the URL that got it; empty for worker
   * processes (see `pids`). A request a worker of the list refused the connection for went
   * to the next worker and is listed there only.
   */
  readonly requests: readonly RunRequest[];
  /**
   * Over HTTP: the attempts a worker refused the connection for (or did not connect within
   * `connectTimeoutMs`), in order; each request then went to the next worker. A worker
   * that refused rests for a while (1 s, doubling with each refusal in a row, up to 30 s),
   * so a dead worker in the list costs a few attempts, not one per request.
   */
  readonly refused: readonly RunRequest[];
  /** The minted execution id (empty without input). */
  readonly executionId: Uint8Array;
  readonly finalizeStateIds: readonly Uint8Array[];
  /** Ticks sent per finalize stream (the extra tick after the end included); over HTTP, requests per stream (its `/init` and every `/exchange`). */
  readonly ticks: readonly number[];
  /** True when `limit` stopped the finalize streams early. */
  readonly limited: boolean;
  readonly timings: RunTimings;
  /** The qualified function that ran, e.g. `example.main.buffer_input`. */
  readonly functionName: string;
  /** The protocol version every request of the run was sent in. */
  readonly protocol: ProtocolVersion;
}
