/**
 * The messages Silo writes about definitions, resolution, the environment and executions, in one
 * place. Problems are phrased subject → rule → fix; the subject is added by the caller.
 */
import type { SiloErrorCode } from './error-codes';
import type { DefinitionProblem } from './silo.error';

type Problem = DefinitionProblem;

function problem(code: SiloErrorCode, subject: string, rule: string, fix: string): Problem {
  return { code, subject, rule, fix };
}

// --- SILO1xx: definitions ---------------------------------------------------------

export const notDecorated = (cls: string): Problem =>
  problem(
    'SILO116',
    cls,
    "is listed in a module's functions but has no @BufferingFunction() decorator.",
    'Add @BufferingFunction({ name: ... }) to the class, or move it to providers if it is a service.',
  );

export const unknownOption = (subject: string, option: string, suggestion?: string): Problem =>
  problem(
    'SILO102',
    subject,
    `@BufferingFunction() has an unknown option "${option}".`,
    suggestion
      ? `Did you mean "${suggestion}"? Rename or remove it.`
      : 'Remove it; see BufferingFunctionOptions for the supported options.',
  );

export const invalidOption = (subject: string, option: string, constraint: string): Problem =>
  problem(
    'SILO101',
    subject,
    `option "${option}" ${constraint}.`,
    `Fix the value of "${option}" in @BufferingFunction().`,
  );

export const exclusiveFlags = (subject: string): Problem =>
  problem(
    'SILO103',
    subject,
    '"sinkOrderDependent" and "requiresInputBatchIndex" cannot both be true: a single-threaded sink already orders input, the batch index only matters under parallel ingest.',
    'Remove one of them.',
  );

export const filtersNeedPushdown = (subject: string): Problem =>
  problem(
    'SILO117',
    subject,
    '"autoApplyFilters" needs "filterPushdown": without it DuckDB sends no filters to apply.',
    'Set filterPushdown: true, or remove autoApplyFilters.',
  );

export const cursorWithoutState = (subject: string): Problem =>
  problem(
    'SILO118',
    subject,
    'has @InitialFinalizeState() but no "state" class, so the cursor it returns cannot travel between ticks (over HTTP each tick may run in another process).',
    'Declare the cursor as a class of @StateField() properties and pass it as the "state" option.',
  );

export const missingHook = (subject: string, decorator: string, role: string): Problem =>
  problem(
    'SILO104',
    subject,
    `has no ${decorator} method; a buffering function needs exactly one (${role}).`,
    `Add ${decorator} to the method that ${role}.`,
  );

export const duplicateHook = (subject: string, decorator: string, members: readonly string[]): Problem =>
  problem(
    'SILO105',
    subject,
    `has ${members.length} ${decorator} methods (${members.join(', ')}); at most one is allowed.`,
    `Keep ${decorator} on one method and remove it from the others.`,
  );

export const hookNotMethod = (member: string, decorator: string): Problem =>
  problem(
    'SILO106',
    member,
    `is decorated with ${decorator} but is not a method.`,
    'Put the decorator on a method (not a property, arrow function field or accessor).',
  );

export const invalidName = (subject: string, what: string, name: string): Problem =>
  problem(
    'SILO107',
    subject,
    `${what} "${name}" is not a SQL identifier.`,
    'Use letters, digits and underscores only, starting with a letter or underscore (for example "top_k").',
  );

export const duplicateName = (name: string, schema: string, classes: readonly string[]): Problem =>
  problem(
    'SILO108',
    `"${schema}.${name}"`,
    `is declared by ${classes.length} classes (${classes.join(', ')}); names must be unique within a schema.`,
    'Rename one of them or publish it in another schema with the "schema" option.',
  );

export const multipleTables = (subject: string, members: readonly string[]): Problem =>
  problem(
    'SILO109',
    subject,
    `declares ${members.length} TABLE inputs (${members.join(', ')}); a buffering function takes at most one.`,
    'Keep @TableInput() on one property.',
  );

export const badPositions = (subject: string, found: readonly number[]): Problem =>
  problem(
    'SILO110',
    subject,
    `positional parameters must have the contiguous positions 0..${found.length - 1}, found [${found.join(', ')}].`,
    'Number @Positional() (and @TableInput({ position })) from 0 without gaps or repeats.',
  );

export const tableNotLast = (subject: string): Problem =>
  problem(
    'SILO110',
    subject,
    'the TABLE input must come after every positional scalar parameter (DuckDB places it there on the wire).',
    'Give @TableInput() the highest position, or drop its position option.',
  );

export const unknownType = (member: string, type: string, known: readonly string[]): Problem =>
  problem(
    'SILO111',
    member,
    `has unknown type ${type}.`,
    `Use one of ${known.map((k) => `'${k}'`).join(', ')}, or an apache-arrow DataType instance.`,
  );

export const unknownStateType = (member: string, type: string, known: readonly string[]): Problem =>
  problem('SILO111', member, `has unknown type ${type}.`, `Use one of ${known.map((k) => `'${k}'`).join(', ')}.`);

export const defaultDoesNotFit = (member: string, value: string, type: string): Problem =>
  problem(
    'SILO112',
    member,
    `has default ${value}, which is not a valid ${type} value.`,
    `Give a default of type ${type} (int64 takes a bigint such as 10n or a safe integer).`,
  );

export const defaultOnPositional = (member: string): Problem =>
  problem(
    'SILO112',
    member,
    'is positional and has a default, but DuckDB requires every positional argument.',
    'Make it @Named() to give it a default.',
  );

export const duplicateArgument = (member: string, decorators: readonly string[]): Problem =>
  problem(
    'SILO119',
    member,
    `is declared ${decorators.length} times (${decorators.join(', ')}).`,
    'Keep one argument decorator on the property.',
  );

export const duplicateArgumentName = (subject: string, name: string): Problem =>
  problem('SILO119', subject, `declares the argument name "${name}" twice.`, 'Give each argument a distinct name.');

export const propertyTypeMismatch = (
  member: string,
  decorator: string,
  declared: string,
  property: string,
  expected: string,
): Problem =>
  problem(
    'SILO120',
    member,
    `is declared ${decorator.replace('()', `('${declared}')`)} but its property is typed ${property}; ${declared} values arrive as ${expected}.`,
    `Type the property as ${expected} (or ${expected} | null), or change the declared type.`,
  );

export const requiredWithDefault = (member: string): Problem =>
  problem(
    'SILO121',
    member,
    'has both { required: true } and a default; a required argument is never omitted, so the default would never apply.',
    'Keep one of them.',
  );

export const argumentInitializer = (member: string, value: string): Problem =>
  problem(
    'SILO122',
    member,
    `has the property initializer ${value}, which is never applied: arguments are built from the call, and a default lives in the decorator.`,
    'Remove the initializer and pass it as @Named(type, { default: ... }).',
  );

export const hookParameterShape = (member: string, decorator: string, detail: string, shape: string): Problem =>
  problem(
    'SILO123',
    member,
    `is decorated with ${decorator} but ${detail}.`,
    `Declare it as ${shape}; the context is always the last parameter (ctx.finalizeStateId holds the finalize state id).`,
  );

export const stateWithoutFields = (subject: string): Problem =>
  problem(
    'SILO113',
    subject,
    'is a state class with no @StateField() properties, so nothing would survive between ticks.',
    "Declare the cursor's fields with @StateField(type).",
  );

export const stateNotConstructible = (subject: string, error: string): Problem =>
  problem(
    'SILO113',
    subject,
    `could not be constructed without arguments (${error}).`,
    'Give the state class a constructor without required parameters; field initializers are the defaults.',
  );

export const stateRoundTrip = (subject: string, detail: string): Problem =>
  problem(
    'SILO113',
    subject,
    `does not survive serialization: ${detail}.`,
    'Initialize every @StateField() property with a value of its declared type (null is allowed).',
  );

export const notInjectable = (member: string, typeName: string): Problem =>
  problem(
    'SILO114',
    member,
    `has type ${typeName}, which has no runtime value (an interface, a type alias or a primitive), so it cannot be injected by type.`,
    'Inject it by token: add @Inject(TOKEN) to the parameter (for example @Inject(EXECUTION_STORAGE)).',
  );

export const unregisteredDependency = (member: string, token: string): Problem =>
  problem(
    'SILO115',
    member,
    `needs ${token}, which no module provides.`,
    `Add ${token} to the providers of a module in the worker (defineModule({ providers: [...] })).`,
  );

export const missingParamTypes = (subject: string): Problem =>
  problem(
    'SILO302',
    subject,
    'has constructor parameters but no emitted parameter types, so nothing can be injected.',
    'Enable "emitDecoratorMetadata": true (and "experimentalDecorators": true) in tsconfig.json compilerOptions; with swc or babel, enable decorator metadata in their config.',
  );

export const injectableOptions = (): string =>
  "@Injectable() takes no options: a { token } option would register the class on the global container, which every worker and TestBed shares. Call @Injectable() with no arguments and list the class (or { provide: TOKEN, useClass }) in a module's providers.";

export const notAModule = (got: string): string =>
  `Expected a module made by defineModule(), got ${got}. Wrap the definition in defineModule({ ... }).`;

// --- SILO2xx: resolution and testing ------------------------------------------------

export const overrideUnknownToken = (token: string, known: readonly string[]): string =>
  `overrideProvider(${token}) names a token no module provides, so the override would have no effect. Provided tokens: ${known.join(', ') || 'none'}. Override one of them, or add ${token} to a module's providers.`;

export const unknownFunction = (name: string, known: readonly string[]): string =>
  `No buffering function named "${name}" is registered. Registered: ${known.join(', ') || 'none'}. Check the name, or add the module that declares it to the worker.`;

export const chaosLeak = (name: string): string =>
  `Running ${name} twice on the same input gave different results under chaos: the function keeps state outside execution storage (a module-level variable, a static field, a provider's field). Keep everything later phases need in EXECUTION_STORAGE.`;

export const driveOptionOutOfRange = (name: string, value: unknown, min: number, max?: number): string =>
  `${name} must be an integer ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}${
    name === 'batchSize' ? " (DuckDB's vector size)" : ''
  }, got ${String(value)}.`;

export const unknownProjectionColumn = (name: string, columns: readonly string[]): string =>
  `projection names column "${name}", which the output schema does not have (${columns.join(', ')}). Project only columns of the function's output.`;

// --- SILO3xx: environment ------------------------------------------------------------

export const reflectMetadataMissing = (): string =>
  "The Reflect metadata API is missing, so decorators cannot record anything. Add `import 'reflect-metadata';` as the first line of your worker entry (and install it: npm install reflect-metadata).";

export const standardDecorators = (decorator: string): string =>
  `${decorator} was called as a standard (TC39) decorator. Silo needs legacy decorators: set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json compilerOptions.`;

export const storedScopeUnknown = (encoded: string): string =>
  `Stored scope ${encoded} has an unknown kind tag: the storage was written by an incompatible version of vgi-silo. Use one version on every worker of a storage, or start from a fresh storage.`;

export const garbageCollectorInterval = (got: number): string =>
  `GarbageCollector intervalMs must be a positive number of milliseconds (got ${got}). Pass a positive interval, or leave it out for one minute.`;

export const streamTokenKeyLength = (bytes: number, source: string): string =>
  `StreamTokenSealer needs a 32-byte key, got ${bytes} bytes from ${source}. Give every worker of the fleet the same 32-byte SILO_SIGNING_KEY (base64 or hex).`;

// Secret keys and sealed data (SILO333–SILO337).

export const secretKeyMalformed = (source: string, bytes: number, got: string, generate: string): string =>
  `${source} must hold exactly ${bytes} bytes written as base64 (44 characters) or hex (64 characters); got ${got}. Generate one with: ${generate}`;

export const secretKeyFileOpen = (path: string, mode: string): string =>
  `Secret key file "${path}" is accessible to other users (mode ${mode}). Run: chmod 600 "${path}"`;

export const secretKeyFileNotCreated = (path: string, reason: string): string =>
  `Could not create the secret key file "${path}": ${reason}. Set SILO_SECRET_KEY or SILO_SECRET_KEY_FILE instead, identically on every worker.`;

export const secretKeyWrongLength = (bytes: number, got: number, source: string, generate: string): string =>
  `SecretSealer needs a ${bytes}-byte key (got ${got} bytes from ${source}). Generate one with: ${generate}`;

export const sealedDataTooShort = (bytes: number, minimum: number): string =>
  `Sealed data is ${bytes} bytes, shorter than the ${minimum}-byte minimum of an envelope: it was truncated or is not sealed data.`;

export const sealedDataVersion = (version: number, reads: number): string =>
  `Sealed data has envelope version ${version}; this vgi-silo reads version ${reads}. It was sealed by a different vgi-silo release, or it is not sealed data.`;

export const sealedDataOtherKey = (keyId: string, source: string, ownKeyId: string): string =>
  `Sealed data was sealed with key ${keyId}, but this worker's key (from ${source}) is ${ownKeyId}. Every worker must share one key: set SILO_SECRET_KEY or SILO_SECRET_KEY_FILE identically on all of them.`;

export const sealedDataNotAuthentic = (): string =>
  'Sealed data failed authentication: it was modified, or the associated data passed to open() differs from the one given to seal().';

// --- SILO5xx: executions -------------------------------------------------------------

/** The call of an execution a message is about. */
export type ExecutionCallName = 'sink init' | 'process' | 'combine' | 'finalize';

export const executionIdMissing = (call: ExecutionCallName): string =>
  `The ${call} call names no execution: its execution id is empty, but every call after the primary sink init must carry the id that init returned. Pass the execution id of the query's primary sink init.`;

export const executionUnknown = (id: string, call: ExecutionCallName, backend: string): string =>
  `Execution ${id} is unknown to the ${backend} storage, so its ${call} call was refused: no primary sink init created it there, or it ended or was collected so long ago that its tombstone expired too. ` +
  (backend === 'memory'
    ? 'This worker uses MemoryStorage, which no other process sees: when the query runs on more than one worker process, use SqliteStorage or PostgresStorage (SILO_STORAGE) on all of them.'
    : 'Check that every worker of the query uses the same storage (SILO_STORAGE, SILO_SQLITE_PATH, DATABASE_URL), then run the query again.');

export const executionEnded = (id: string, call: ExecutionCallName, tombstoneExpiresAt: number | undefined): string =>
  `Execution ${id} has ended, so its ${call} call was refused: its destructor ran (or it was cleaned by hand) and its data was removed${tombstoneExpiresAt === undefined ? '' : `; storage remembers it until ${new Date(tombstoneExpiresAt).toISOString()}`}. A call after the destructor belongs to a query that is over: run the query again for a new execution.`;

export const executionCollected = (id: string, call: ExecutionCallName, leaseTtlMs: number): string =>
  `Execution ${id} was collected by storage garbage collection, so its ${call} call was refused: it was idle longer than its lease (SILO_LEASE_TTL_MS, ${leaseTtlMs} ms on this worker) and its data was removed. Raise SILO_LEASE_TTL_MS on every worker above the longest pause between a query's calls, then run the query again.`;

export const executionOfOtherFunction = (id: string, owner: string, named: string): string =>
  `Execution ${id} belongs to ${owner}, but the call names ${named}. Send each call of a query to the function its primary sink init named.`;

export const inputBatchMismatch = (fn: string, id: string, difference: string, bound: string): string =>
  `The process batch for ${fn} (execution ${id}) does not match the input schema bound for the query: ${difference}. Send batches with the bound input schema (${bound}), or bind the query again with the schema the batches have.`;

// Runtime results of a function's hooks (SILO504) and the worker around them.

export const functionNotBuilt = (cls: string, reason: string): string =>
  `Could not build ${cls}: ${reason}. Check the providers it injects (a factory that throws, a missing @Inject()). If this mentions "TypeInfo not known", two copies of tsyringe are installed: run npm ls tsyringe.`;

export const onBindResultInvalid = (hook: string, got: string): string =>
  `${hook} must return an apache-arrow Schema or { outputSchema }, got ${got}.`;

export const combineResultNotArray = (hook: string, got: string): string =>
  `${hook} must return an array of finalize state ids (Uint8Array or string), got ${got}.`;

export const stateIdInvalid = (hook: string, what: string, got: string): string =>
  `${hook} must return ${what} as Uint8Array or string, got ${got}.`;

export const initContextFormatUnknown = (format: string): string =>
  `The init context of this execution was written by an incompatible version (format ${format}). Rerun the query with one version of the workers.`;

export const snapshotWorkerTooLate = (): string =>
  'bootstrapWorker() was called after the entry finished loading, while a start-up snapshot was being built: the snapshot cannot wait for it. Call bootstrapWorker() as the entry loads (no await before it), then run silo snapshot again.';

export const leaseTtlInvalid = (raw: string): string =>
  `SILO_LEASE_TTL_MS must be a positive whole number of milliseconds, got "${raw}". Unset it for the default of 6 hours.`;

export const emitAfterFinish = (): string =>
  'emitted a batch after finish(); emit the last batch first, then call finish().';

export const emitTwice = (): string =>
  'emitted twice in one tick; a finalize tick emits exactly one batch (the next tick may emit another).';

export const tickWithoutOutput = (): string =>
  'returned without calling out.emit(batch) or out.finish(); every tick must do one of them, or DuckDB would wait forever.';

export const emittedColumnMissing = (column: string, have: string): string =>
  `the emitted batch has no column "${column}" (it has: ${have}). Emit batches with the output schema's columns.`;

export const emittedColumnChunked = (column: string, chunks: number): string =>
  `column "${column}" has ${chunks} chunks; emit a single RecordBatch.`;

export const emittedNullsInNotNull = (column: string, nulls: number): string =>
  `column "${column}" is declared NOT NULL but the emitted batch has ${nulls} null(s).`;

export const emittedTypeMismatch = (column: string, emitted: string, declared: string): string =>
  `column "${column}" was emitted as ${emitted} but the output schema declares ${declared}, and no lossless cast exists. Build the batch with the output schema's types.`;

export const projectionIdsOutOfRange = (ids: readonly number[], columns: number): string =>
  `projection ids [${ids.join(', ')}] are outside the output schema's ${columns} columns.`;

// Finalize state that cannot be written or read back (SILO505, the detail after the class name).

export const stateFieldWrongType = (field: string, holds: string, declared: string): string =>
  `field "${field}" holds ${holds}, not ${declared}`;

export const stateBytesNotIpc = (reason: string): string => `the bytes are not an Arrow IPC stream (${reason})`;

export const stateFieldsDiffer = (expected: string, got: string): string =>
  `expected fields (${expected}), got (${got})`;

export const stateRowCount = (rows: number): string => `expected 1 row, got ${rows}`;

// --- SILO52x: storage collections ------------------------------------------------------

/** A stored value a collection could not decode or validate (SILO520). */
export const collectionValueUnreadable = (collection: string, where: string, codec: string, detail: string): string =>
  `${collection}: ${where} could not be read with the ${codec} codec: ${detail}. It was written with another codec or schema, or by hand through the raw storage API. Read the collection with the codec and schema it was written with, or clear it and write it again.`;

/** A value a collection could not encode (SILO521). */
export const collectionValueUnwritable = (collection: string, where: string, codec: string, detail: string): string =>
  `${collection}: ${where} cannot be written with the ${codec} codec: ${detail}. Pass a value the codec accepts, or give the collection a codec for this kind of value.`;

/** A collection name that is not allowed (SILO522). */
export const invalidCollectionName = (kind: string, name: string): string =>
  `${kind} name ${JSON.stringify(name)} is not valid: a collection name is 1 to 128 characters of letters, digits, "_", ".", ":", "/" or "-", starting with a letter, digit or "_". Use a fixed name such as "rows" or "sorted.run-1".`;

/** A bad argument to a collection method or to @InjectCollection() (SILO522). */
export const invalidCollectionArgument = (subject: string, rule: string, got: string): string =>
  `${subject}: ${rule} (got ${got}).`;

export const settingNotProvided = (name: string): string =>
  `Setting "${name}" was not provided. Add it to requiredSettings of the function so DuckDB sends it.`;

export const secretNotProvided = (name: string, received: readonly string[]): string =>
  `Secret "${name}" was not provided (received: ${received.join(', ') || 'none'}). Declare it in requiredSecrets or request it from @OnBind().`;

export const executionStorageAtBind = (): string =>
  'EXECUTION_STORAGE is not available in @OnBind(): no execution exists while DuckDB plans the query. Use ATTACH_STORAGE for data that outlives a query.';

export const noTransactionStorage = (): string =>
  'TRANSACTION_STORAGE needs a DuckDB transaction, and this call has none: the client sent no transaction_opaque_data (Silo workers advertise transactions, so DuckDB sends one with every bind). Use EXECUTION_STORAGE or ATTACH_STORAGE here.';

export const filterColumnMissing = (column: string, columns: readonly string[]): string =>
  `A pushed filter names column "${column}", which the emitted batch does not have (columns: ${columns.join(', ')}). Emit every column of the output schema, or set autoApplyFilters: false and apply the filters yourself.`;

export const reservedNamespace = (): string =>
  'Storage namespaces starting with a NUL byte are reserved for the framework. Choose a namespace that does not start with "\\0".';

export const unknownScopeKind = (kind: string): string =>
  `Storage scope kind "${kind}" is unknown. Use "execution", "attach" or "transaction".`;

export const scopeIdNotBytes = (got: string): string =>
  `Storage scope id must be a Uint8Array (got ${got}). Pass the execution id or attach data as bytes.`;

// --- SILO53x: batch helpers ------------------------------------------------------------

export const columnLengthsDiffer = (lengths: readonly number[]): string =>
  `batchFromColumns: every column needs the same length, got ${lengths.join(', ')}. Pass arrays of one length.`;

export const columnValuesMissing = (column: string): string =>
  `batchFromColumns: no values for column "${column}". Pass one array per field of the schema.`;

export const notOneBatch = (found: number): string =>
  `deserializeBatch: expected one batch in the stream, found ${found}. Use deserializeBatches() for several.`;

// --- SILO6xx: client ---------------------------------------------------------------------

export const connectionBusy = (label: string, what: string, busyWith: string): string =>
  `${label}: cannot send ${what} while ${busyWith} is in flight; calls on one connection are sequential, await the previous one (or finish its stream) first.`;

export const connectionEnded = (label: string, what: string, how: string): string =>
  `${label}: cannot send ${what}: the connection was ${how}; open a new connection.`;

export const connectionBroken = (label: string, brokenBy: string): string =>
  `${label}: the connection is unusable after ${brokenBy} failed mid-response; open a new connection.`;

export const connectionKilled = (label: string, during: string): string =>
  `${label}: cannot continue ${during}: the connection was killed. Open a new connection and run the call again.`;

export const initStreamFinished = (label: string, what: string): string =>
  `${label}: ${what}() on an init stream that is already finished. Open a new init stream for the next call.`;

export const requestAbandoned = (request: string, reason: string): string =>
  `${request} was abandoned: ${reason}. Open a new connection to send it again.`;
