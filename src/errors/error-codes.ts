/**
 * The table of every code Silo raises: what it means and what to do. `SiloError` takes
 * only a code of this table, so a new code is added here first; docs/errors.md is
 * generated from it (`npm run docs:errors`).
 */

/** One row of the table. */
export interface ErrorCodeEntry {
  /** What went wrong, in a few words. */
  readonly title: string;
  /** What to do about it. */
  readonly action: string;
}

/** A range of codes: the hundreds digit says where the problem lies. */
export interface ErrorCodeRange {
  /** The codes' common prefix, e.g. `SILO1`. */
  readonly prefix: string;
  /** What the range covers. */
  readonly title: string;
  /** When these errors are raised. */
  readonly when: string;
}

/**
 * The code ranges, in order.
 */
export const ERROR_CODE_RANGES: readonly ErrorCodeRange[] = [
  {
    prefix: 'SILO1',
    title: 'Definitions and registration',
    when: 'when the worker (or TestBed) registers its modules; all problems are reported together under SILO100',
  },
  {
    prefix: 'SILO2',
    title: 'Resolution and testing',
    when: 'when a function is looked up or built, and in the TestBed',
  },
  {
    prefix: 'SILO3',
    title: 'Environment',
    when: 'at start-up or on first use: configuration, installed packages, storage and key files',
  },
  {
    prefix: 'SILO4',
    title: 'Wire and protocol',
    when: 'while reading or writing vgi requests and responses, on any transport',
  },
  {
    prefix: 'SILO5',
    title: 'Execution',
    when: "while a query runs: the function's own code, its arguments, its output, its storage",
  },
  {
    prefix: 'SILO6',
    title: 'Client and CLI',
    when: "in Silo's own client (`vgi-silo/client`, `silo run`, `silo list`) and the `silo` command",
  },
];

/**
 * Every code, with its title and what to do.
 *
 * @example
 * ```ts
 * catch (e) { if (isSiloError(e)) console.error(ERROR_CODES[e.code].action); }
 * ```
 */
export const ERROR_CODES = {
  // --- SILO1xx: definitions and registration
  SILO100: {
    title: 'Registration failed',
    action: 'Fix each problem listed under it; each line carries its own code.',
  },
  SILO101: {
    title: 'Invalid @BufferingFunction() option value',
    action: 'Give the option a value of the documented type and range.',
  },
  SILO102: {
    title: 'Unknown @BufferingFunction() option',
    action: 'Rename the option as suggested, or remove it (see BufferingFunctionOptions).',
  },
  SILO103: {
    title: 'Contradictory ordering flags',
    action: 'Keep only one of "sinkOrderDependent" and "requiresInputBatchIndex".',
  },
  SILO104: { title: 'Required hook missing', action: 'Add the named hook decorator to the method that implements it.' },
  SILO105: { title: 'Hook declared more than once', action: 'Keep the hook decorator on one method only.' },
  SILO106: {
    title: 'Hook decorator on a non-method',
    action: 'Put the decorator on a method, not a property, arrow-function field or accessor.',
  },
  SILO107: {
    title: 'Name is not a SQL identifier',
    action: 'Use letters, digits and underscores, starting with a letter or underscore.',
  },
  SILO108: {
    title: 'Function name declared twice in a schema',
    action: 'Rename one function, or publish it in another schema with the "schema" option.',
  },
  SILO109: { title: 'More than one TABLE input', action: 'Keep @TableInput() on one property.' },
  SILO110: {
    title: 'Positional arguments out of order',
    action: 'Number @Positional() from 0 without gaps and put the TABLE input last.',
  },
  SILO111: {
    title: 'Unknown argument or state type',
    action: 'Use one of the listed type names, or an apache-arrow DataType for arguments.',
  },
  SILO112: {
    title: 'Invalid argument default',
    action: 'Give a default of the declared type, on a @Named() argument only.',
  },
  SILO113: {
    title: 'Invalid state class',
    action:
      'Give the state class @StateField() properties, a constructor without required parameters and initial values of the declared types.',
  },
  SILO114: {
    title: 'Constructor parameter cannot be injected by type',
    action: 'Add @Inject(TOKEN) to the interface-, alias- or primitive-typed parameter.',
  },
  SILO115: { title: 'Dependency not provided', action: "Add the token or class to a module's providers." },
  SILO116: {
    title: 'Listed function is not decorated',
    action: 'Add @BufferingFunction() to the class, or move it to providers if it is a service.',
  },
  SILO117: {
    title: 'Filters applied without pushdown',
    action: 'Set filterPushdown: true, or remove autoApplyFilters.',
  },
  SILO118: {
    title: 'Finalize cursor without a state class',
    action: 'Declare the cursor as a class of @StateField() properties and pass it as the "state" option.',
  },
  SILO119: {
    title: 'Argument declared twice',
    action: 'Keep one argument decorator per property and a distinct name per argument.',
  },
  SILO120: {
    title: 'Property type does not hold the declared type',
    action: 'Type the property as the message says, or change the declared type.',
  },
  SILO121: { title: 'Required argument with a default', action: 'Keep either { required: true } or the default.' },
  SILO122: {
    title: 'Argument property has an initializer',
    action: "Remove the initializer and pass the value as the decorator's default.",
  },
  SILO123: {
    title: 'Hook parameters in the wrong shape',
    action: 'Declare the hook with its inputs first and the context last, as the message shows.',
  },
  SILO124: {
    title: '@Injectable() given options',
    action: "Call @Injectable() with no arguments and list the class in a module's providers.",
  },
  SILO125: {
    title: 'Module list entry is not a module',
    action: 'Wrap the definition in defineModule({ ... }) and list the result.',
  },

  // --- SILO2xx: resolution and testing
  SILO201: {
    title: 'Override of a token nobody provides',
    action: "Override one of the provided tokens listed, or add the token to a module's providers.",
  },
  SILO202: {
    title: 'Unknown function',
    action: 'Check the name and schema, or add the module that declares the function to the worker.',
  },
  SILO203: {
    title: 'State kept outside execution storage',
    action:
      'Keep everything later phases need in EXECUTION_STORAGE, not in module-level variables, static fields or provider fields.',
  },
  SILO204: {
    title: 'Function instance could not be built',
    action:
      'Check the providers it injects (a factory that throws, a missing @Inject()); "TypeInfo not known" means two copies of tsyringe: run npm ls tsyringe.',
  },
  SILO205: {
    title: 'Projection names an unknown column',
    action: "Project only columns of the function's output schema.",
  },

  // --- SILO3xx: environment
  SILO301: {
    title: 'reflect-metadata not loaded',
    action: "Add import 'reflect-metadata'; as the first line of every entry point.",
  },
  SILO302: {
    title: 'No emitted parameter types',
    action: 'Enable "emitDecoratorMetadata" and "experimentalDecorators" (or the equivalent in swc or babel).',
  },
  SILO303: {
    title: 'Standard decorators in use',
    action: 'Set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json.',
  },
  SILO305: {
    title: 'Object from another copy of apache-arrow',
    action: "Install one copy (npm ls apache-arrow); in an ES module, import Arrow's classes from 'vgi-silo/arrow'.",
  },
  SILO320: {
    title: 'SQLite storage file cannot be opened',
    action: 'Point SILO_SQLITE_PATH (or the "path" option) at a writable location.',
  },
  SILO321: { title: 'SQLite refused WAL mode', action: 'Put the storage file on a local disk, not a network share.' },
  SILO322: {
    title: 'SQLite storage from a newer version',
    action: 'Upgrade vgi-silo on every worker, or use another storage file.',
  },
  SILO323: { title: 'SQLite storage is closed', action: 'Create a new SqliteStorage instead of reusing a closed one.' },
  SILO324: {
    title: 'SQLite storage stayed locked',
    action: 'Find the process holding a long transaction on the file, or raise the busy timeout.',
  },
  SILO325: {
    title: 'Unknown SILO_STORAGE value',
    action: 'Set SILO_STORAGE to one of the listed backends, or unset it for SQLite.',
  },
  SILO326: {
    title: 'Invalid PostgreSQL schema name',
    action: 'Use letters, digits and underscores (at most 63, not starting with a digit).',
  },
  SILO327: { title: 'PostgreSQL storage without a database', action: 'Pass { connectionString } or set DATABASE_URL.' },
  SILO328: {
    title: 'PostgreSQL storage is closed',
    action: 'Create a new PostgresStorage instead of reusing a closed one.',
  },
  SILO329: {
    title: 'PostgreSQL unreachable',
    action: 'Check DATABASE_URL and that the server is running and reachable.',
  },
  SILO330: {
    title: 'PostgreSQL schema from a newer version',
    action: 'Upgrade vgi-silo on every worker, or use another schema.',
  },
  SILO331: {
    title: 'PostgreSQL schema cannot be prepared',
    action: 'Grant the role CREATE on the database, or create the schema beforehand.',
  },
  SILO332: {
    title: 'Stored scope from an incompatible version',
    action: 'Use one vgi-silo version on every worker of a storage, or start from a fresh storage.',
  },
  SILO333: {
    title: 'Secret key malformed',
    action: 'Give a 32-byte key as base64 or hex; the message shows how to generate one.',
  },
  SILO334: { title: 'Secret key file readable by others', action: 'Restrict the file to its owner (chmod 600).' },
  SILO335: {
    title: 'Secret key file cannot be created',
    action: 'Set SILO_SECRET_KEY or SILO_SECRET_KEY_FILE, identically on every worker.',
  },
  SILO336: {
    title: 'Sealed data is damaged or foreign',
    action: 'Check that the data was sealed by this release and not modified; rerun the query.',
  },
  SILO337: {
    title: 'Sealed with another key',
    action: 'Give every worker the same SILO_SECRET_KEY or SILO_SECRET_KEY_FILE.',
  },
  SILO338: {
    title: 'Invalid SILO_LEASE_TTL_MS',
    action: 'Set a positive whole number of milliseconds, or unset it for 6 hours.',
  },
  SILO339: {
    title: 'Invalid garbage collector option',
    action: 'Give the GarbageCollector a positive interval in milliseconds.',
  },
  SILO340: {
    title: 'Invalid transport setting',
    action: 'Fix the named environment variable or option (limits, signing key); unset it for the default.',
  },
  SILO341: {
    title: 'Invalid SILO_SQLITE_SPOOL_BYTES',
    action: 'Set a whole number of bytes (0 keeps every log value in SQLite), or unset it for 16384.',
  },
  SILO342: {
    title: 'SQLite spool file cannot be written',
    action: 'Free disk space or fix the spool directory permissions, or set SILO_SQLITE_SPOOL_BYTES=0.',
  },
  SILO343: {
    title: 'SQLite spool file missing or truncated',
    action: 'Do not delete files beside the storage file; rerun the query that wrote them.',
  },
  SILO344: {
    title: 'Invalid SILO_V8_FLAGS',
    action: "List V8 flags separated by spaces (--name, --no-name, --name=value); set it empty for V8's defaults.",
  },
  SILO345: { title: 'pg not installed', action: 'Install it next to vgi-silo: npm install pg.' },
  SILO350: { title: 'DuckDB extension package not installed', action: 'Install the npm package the message names.' },
  SILO351: {
    title: 'DuckDB extension not built for this platform',
    action: 'Run DuckDB on one of the platforms the package ships.',
  },
  SILO352: {
    title: 'DuckDB extension binary skipped by npm',
    action: 'Reinstall with optional dependencies (--include=optional).',
  },
  SILO353: {
    title: 'DuckDB for Node.js not installed',
    action: 'Install @duckdb/node-api with the vgi extension package.',
  },
  SILO354: {
    title: 'DuckDB could not load an extension',
    action: "Check the extension binary matches the DuckDB version; the message carries DuckDB's reason.",
  },
  SILO358: {
    title: 'Parquet needs DuckDB for Node.js',
    action: 'Install @duckdb/node-api to read or write Parquet files.',
  },

  // --- SILO4xx: wire and protocol
  SILO401: {
    title: 'Malformed request or response batch',
    action: 'Send exactly one well-formed request batch per call, as the vgi wire format describes.',
  },
  SILO402: {
    title: 'Request version missing or unsupported',
    action: "Set the batch metadata 'vgi_rpc.request_version' to '1'.",
  },
  SILO403: {
    title: 'Request names no protocol',
    action: "Send 'vgi_rpc.protocol' (vgi.v2) or a 1.x 'vgi_rpc.protocol_version'.",
  },
  SILO404: {
    title: 'Protocol not hosted',
    action: 'Connect with a client speaking one of the protocols the worker lists.',
  },
  SILO405: {
    title: 'Method not implemented',
    action: "Call only the methods of a table-buffering function's lifecycle.",
  },
  SILO406: {
    title: 'Protocol version mismatch',
    action: 'Use a client and worker of compatible protocol versions (the message names both).',
  },
  SILO407: {
    title: 'The worker answered with an error',
    action: "Read the worker's exception type and message; it carries the function's own error.",
  },
  SILO408: { title: 'Record cannot be encoded', action: 'Pass values of the record field types the message names.' },
  SILO410: {
    title: 'Arrow IPC framing error',
    action: 'Send complete Arrow IPC streams; a peer writing other bytes to the channel corrupts it.',
  },
  SILO411: {
    title: "Batch does not match the stream's schema",
    action: 'Build the batch on the stream schema object, or convert it first.',
  },
  SILO412: { title: 'Arrow value cannot be read', action: 'Send a column of the type the message names.' },
  SILO413: { title: 'Malformed Arrow IPC message', action: 'Send valid Arrow IPC; the message names the broken part.' },
  SILO414: {
    title: 'Request too large',
    action: 'Raise SILO_MAX_REQUEST_BYTES on the worker, or send smaller batches.',
  },
  SILO415: { title: 'Request stalled', action: 'Send each request without pauses, or raise SILO_READ_TIMEOUT_MS.' },
  SILO420: { title: 'Catalog not served', action: 'ATTACH the catalog by the name the worker serves.' },
  SILO421: {
    title: 'Client went away',
    action: 'None on the worker; the client closed the connection before reading the answer.',
  },
  SILO422: { title: 'Init phase not served', action: 'Call only the table-buffering init phases (sink and finalize).' },
  SILO423: {
    title: 'Sink init stream carried data',
    action: 'Send input with table_buffering_process; the sink init stream carries none.',
  },
  SILO424: {
    title: 'Finalize init without an execution id',
    action: 'Send the execution id the sink init header returned.',
  },
  SILO425: {
    title: 'Invalid worker command line',
    action: 'Use the options of the usage text printed with the error.',
  },
  SILO426: {
    title: 'Cannot listen on the unix socket',
    action: 'Use a writable directory and a path no other process serves.',
  },
  SILO430: {
    title: 'Invalid HTTP stream token',
    action: 'Echo the token the worker returned, once; share SILO_SIGNING_KEY across the fleet.',
  },
  SILO431: {
    title: 'HTTP request refused',
    action: 'Send an Arrow stream body with a supported content type and encoding.',
  },
  SILO432: { title: 'Continuation of another function', action: 'Echo the token of the stream you are continuing.' },
  SILO433: {
    title: 'Cannot listen for HTTP',
    action: 'Choose another --http port (0 picks a free one) or --host address.',
  },

  // --- SILO5xx: execution
  SILO501: {
    title: "The function's own code threw",
    action: 'Fix the hook or provider named in the message; its own error is kept as the cause.',
  },
  SILO502: {
    title: 'Invalid call arguments',
    action: 'Call the function with arguments that satisfy its declared types and constraints.',
  },
  SILO503: {
    title: 'Call for another function or version',
    action: 'Send each call to the function, and the workers version, that created the execution.',
  },
  SILO504: {
    title: 'Invalid hook result or output',
    action: 'Return and emit what the hook contract says (the message names the hook).',
  },
  SILO505: {
    title: 'Invalid finalize state',
    action: 'Keep the state to its @StateField() properties with their declared types.',
  },
  SILO506: {
    title: 'Projection outside the output schema',
    action: "Project only column indexes of the function's output schema.",
  },
  SILO507: {
    title: 'Setting not provided',
    action: "Add the setting to the function's requiredSettings so DuckDB sends it.",
  },
  SILO508: {
    title: 'Secret not provided',
    action: 'Declare the secret in requiredSecrets, or request it from @OnBind().',
  },
  SILO509: {
    title: 'Pushed filter names a column the output lacks',
    action: 'Emit every column DuckDB may filter on, or turn autoApplyFilters off and filter yourself.',
  },
  SILO510: {
    title: 'Unknown execution',
    action: 'Give every worker of a query the same storage; MemoryStorage is never shared between processes.',
  },
  SILO511: { title: 'Execution already ended', action: 'Run the query again; its destructor already ran.' },
  SILO512: {
    title: 'Execution collected',
    action: 'Raise SILO_LEASE_TTL_MS above the longest pause between calls of a query.',
  },
  SILO513: {
    title: 'Input batch does not match the bound schema',
    action: 'Send batches with the input schema bound for the query.',
  },
  SILO514: {
    title: 'Storage not available here',
    action: 'Use ATTACH_STORAGE in @OnBind(), and TRANSACTION_STORAGE only inside a DuckDB transaction.',
  },
  SILO515: {
    title: 'Invalid storage namespace or scope',
    action:
      'Use a namespace not starting with a NUL byte and a scope of kind execution, attach or transaction with a byte id.',
  },
  SILO516: {
    title: 'Worker entry not ready for a start-up snapshot',
    action: 'Call bootstrapWorker() as the entry loads, with no await before it, then rebuild the snapshot.',
  },
  SILO520: {
    title: 'Stored collection value unreadable',
    action: 'Read with the codec and schema it was written with, or clear the collection.',
  },
  SILO521: {
    title: 'Collection value cannot be written',
    action: 'Pass a value the codec accepts, or give the collection another codec.',
  },
  SILO522: {
    title: 'Invalid collection name or argument',
    action: 'Use a valid collection name and the argument form the message shows.',
  },
  SILO530: {
    title: 'Batch columns disagree with their schema',
    action: 'Build the batch with batchFromColumns or selectColumns instead of RecordBatch.select().',
  },
  SILO531: { title: 'Selected column missing', action: 'Select only columns the batch has.' },
  SILO532: {
    title: 'Columns for a batch do not fit its schema',
    action: 'Pass one array per schema field, all of the same length.',
  },
  SILO533: {
    title: 'Not exactly one batch in the bytes',
    action: 'Use deserializeBatches() for a stream of several batches.',
  },
  SILO560: { title: 'Recipe key column missing', action: "Name one of the input's columns as the key." },
  SILO561: {
    title: 'Recipe key column type unsupported',
    action: 'Cast the column in SQL to an orderable, hashable type first.',
  },
  SILO562: {
    title: 'Recipe batch of another schema',
    action: 'Pass the recipe batches of the one schema it was set up with.',
  },
  SILO563: {
    title: 'Recipe option out of range',
    action: 'Give the option a value within the range the message states.',
  },
  SILO564: {
    title: 'Invalid recipe keys',
    action: 'Give at least one key, as a column name or a sort key of the documented form.',
  },

  // --- SILO6xx: client and CLI
  SILO601: {
    title: 'Worker process exited',
    action: "Read the worker's stderr tail in the message; it usually names the crash.",
  },
  SILO602: {
    title: 'Worker broke the protocol',
    action: 'Make the worker write only protocol bytes to stdout; log to stderr or with the logger.',
  },
  SILO603: { title: 'Invalid run configuration', action: 'Fix the runFunction or silo run option the message names.' },
  SILO604: { title: 'Run cancelled', action: 'None; the message says whether the destructor ran.' },
  SILO605: {
    title: 'Worker could not start',
    action: 'Check the worker command and that its entry file exists and runs.',
  },
  SILO606: {
    title: 'HTTP worker unreachable',
    action: 'Check that the worker serves the URL (mount prefix included) and that it is reachable.',
  },
  SILO607: {
    title: 'HTTP worker answered with an error status',
    action: 'Follow the advice in the message for the status (authentication, prefix, version).',
  },
  SILO608: {
    title: 'Request larger than the worker accepts',
    action: 'Raise SILO_MAX_REQUEST_BYTES on the workers, or send smaller input batches.',
  },
  SILO609: {
    title: 'No HTTP worker reachable',
    action: 'Check that the workers are running and their URLs are reachable from the client.',
  },
  SILO610: {
    title: 'Invalid silo command',
    action: 'Fix the command line as the message says; silo help <command> lists the options.',
  },
  SILO611: {
    title: 'HTTP request timed out',
    action: 'Raise the request timeout (requestTimeoutMs, --request-timeout), or find the call that hangs.',
  },
  SILO612: {
    title: 'No common protocol version',
    action: 'Use a client and worker that share a protocol version; the message lists what each tried.',
  },
  SILO613: {
    title: 'Connection busy',
    action: 'Await the previous call (or finish its stream) before the next; calls on one connection are sequential.',
  },
  SILO614: {
    title: 'Connection or stream already finished',
    action: 'Open a new connection or stream; this one has ended or broke mid-response.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

/** A code of the table, such as `SILO104`. */
export type SiloErrorCode = keyof typeof ERROR_CODES;
