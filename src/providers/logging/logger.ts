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

/** How a {@link StderrLogger} writes records: JSON lines, or one human-readable line each. */
export type LogFormat = 'json' | 'pretty';

/** Options of {@link StderrLogger}. */
export interface StderrLoggerOptions {
  /** Default: `SILO_LOG_FORMAT`, else `pretty` when stderr is a terminal and `json` otherwise. */
  readonly format?: LogFormat;
  /** Where lines go. Default: `process.stderr`. */
  readonly write?: (line: string) => void;
}

const LEVEL_LABEL: Readonly<Record<LogLevel, string>> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
};

/** `12:04:05.123 WARN  [9f1c…e2 top_k] message key=value` — for people reading a terminal. */
function prettyLine(time: Date, level: LogLevel, message: string, fields: LogFields): string {
  const { execution, function: fn, ...rest } = fields as Record<string, unknown>;
  const tag =
    execution !== undefined || fn !== undefined
      ? ` [${[typeof execution === 'string' ? `${execution.slice(0, 8)}…` : undefined, fn].filter(Boolean).join(' ')}]`
      : '';
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, jsonSafe)}`)
    .join(' ');
  return `${time.toISOString().slice(11, 23)} ${LEVEL_LABEL[level]}${tag} ${message}${extra ? ` ${extra}` : ''}\n`;
}

function defaultFormat(): LogFormat {
  const env = process.env.SILO_LOG_FORMAT?.trim().toLowerCase();
  if (env === 'json' || env === 'pretty') return env;
  return process.stderr.isTTY ? 'pretty' : 'json';
}

/**
 * The default logger of a worker: one JSON object per line on stderr (stdout carries
 * protocol bytes only), or readable lines when stderr is a terminal (`SILO_LOG_FORMAT`
 * chooses). Threshold from `SILO_LOG_LEVEL` (default `info`). Inside an execution every
 * record carries `execution` (its id in hex) and `function`.
 *
 * @example
 * ```ts
 * const log = new StderrLogger('debug');
 * log.info('worker started', { pid: process.pid });
 * // {"time":"2026-12-02T12:04:05.123Z","level":"info","pid":4242,"msg":"worker started"}
 * ```
 */
export class StderrLogger extends BaseLogger {
  constructor(
    threshold: LogLevel = (process.env.SILO_LOG_LEVEL?.trim().toLowerCase() as LogLevel | undefined) ?? 'info',
    options: StderrLoggerOptions = {},
  ) {
    const format = options.format ?? defaultFormat();
    const out = options.write ?? ((line: string) => void process.stderr.write(line));
    super(
      (level, message, fields) => {
        const time = new Date();
        if (format === 'pretty') return out(prettyLine(time, level, message, fields));
        const record = { time: time.toISOString(), level, pid: process.pid, msg: message, ...fields };
        out(`${JSON.stringify(record, jsonSafe)}\n`);
      },
      LOG_LEVEL_ORDER[threshold] ? threshold : 'info',
    );
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
