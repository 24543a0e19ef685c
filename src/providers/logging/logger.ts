/** Log levels, most verbose first. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Numeric order of {@link LogLevel}s, for thresholds. */
const LOG_LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

/** Structured extra fields of one log record. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger functions receive by injecting `LOGGER`. Inside an execution it also
 * forwards each record to DuckDB (`duckdb_logs()`), tagged with the execution.
 *
 * @example
 * ```ts
 * constructor(@Inject(LOGGER) private readonly log: Logger) {}
 * ...
 * this.log.info(`Processing batch with ${batch.numRows} rows`);
 * ```
 */
export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every record. */
  child(bindings: LogFields): Logger;
}

/** Where a {@link BaseLogger} writes a finished record. */
type LogWrite = (level: LogLevel, message: string, fields: LogFields) => void;

/** Shared plumbing: level threshold, bindings, the five level methods. */
export class BaseLogger implements Logger {
  constructor(
    private readonly write: LogWrite,
    private readonly threshold: LogLevel = 'info',
    private readonly bindings: LogFields = {},
  ) {}

  private log(level: LogLevel, message: string, fields?: LogFields): void {
    if (LOG_LEVEL_ORDER[level] < LOG_LEVEL_ORDER[this.threshold]) return;
    this.write(level, message, fields ? { ...this.bindings, ...fields } : this.bindings);
  }

  trace(message: string, fields?: LogFields): void {
    this.log('trace', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }
  child(bindings: LogFields): Logger {
    return new BaseLogger(this.write, this.threshold, { ...this.bindings, ...bindings });
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/**
 * The default logger of a worker: one JSON object per line on stderr (stdout carries
 * protocol bytes only). Threshold from `SILO_LOG_LEVEL` (default `info`).
 *
 * @example
 * ```ts
 * const log = new StderrLogger('debug');
 * log.info('worker started', { pid: process.pid });
 * ```
 */
export class StderrLogger extends BaseLogger {
  constructor(threshold: LogLevel = (process.env.SILO_LOG_LEVEL as LogLevel | undefined) ?? 'info') {
    super((level, message, fields) => {
      const record = { time: new Date().toISOString(), level, pid: process.pid, msg: message, ...fields };
      process.stderr.write(`${JSON.stringify(record, jsonSafe)}\n`);
    }, LOG_LEVEL_ORDER[threshold] ? threshold : 'info');
  }
}

/** One record kept by a {@link MemoryLogger}. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

/**
 * Keeps records in memory (the TestBed's root logger): nothing reaches the terminal,
 * and tests can read `records`.
 *
 * @example
 * ```ts
 * const logs = new MemoryLogger();
 * logs.warn('careful');
 * expect(logs.records[0].message).toBe('careful');
 * ```
 */
export class MemoryLogger extends BaseLogger {
  readonly records: LogRecord[];
  constructor(threshold: LogLevel = 'trace', records: LogRecord[] = []) {
    super((level, message, fields) => records.push({ level, message, fields }), threshold);
    this.records = records;
  }
}
