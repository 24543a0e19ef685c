/**
 * The package root is what a function author imports. Its export list is pinned here so
 * that adding a name is a deliberate change: the client lives in `vgi-silo/client`, the
 * request handler, dispatcher and transports in `vgi-silo/server`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import * as ts from 'typescript';
import * as root from '../../src';

const INDEX = path.resolve(__dirname, '../../src/index.ts');

/** The names src/index.ts exports, split into values and type-only names, read from its syntax. */
function declaredExports(): { values: string[]; types: string[]; star: string[] } {
  const source = ts.createSourceFile(INDEX, readFileSync(INDEX, 'utf8'), ts.ScriptTarget.ES2022, true);
  const values: string[] = [];
  const types: string[] = [];
  const star: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement)) continue;
    const from =
      statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : '';
    if (!statement.exportClause || ts.isNamespaceExport(statement.exportClause)) {
      star.push(from);
      continue;
    }
    for (const element of statement.exportClause.elements)
      (statement.isTypeOnly || element.isTypeOnly ? types : values).push(element.name.text);
  }
  return { values: values.sort(), types: types.sort(), star };
}

const VALUES = [
  'ABORT_SIGNAL',
  'ATTACH_STORAGE',
  'BatchCoalescer',
  'BatchLog',
  'BatchLogCursor',
  'BoundStorage',
  'BufferingFunction',
  'CLOCK',
  'CollectionError',
  'Combine',
  'Counter',
  'DedupBuffer',
  'DefinitionError',
  'ERROR_CODES',
  'EXECUTION',
  'EXECUTION_STORAGE',
  'ExternalSort',
  'Finalize',
  'FirstByKey',
  'FixedClock',
  'InconsistentBatchError',
  'InitialFinalizeState',
  'Inject',
  'InjectCollection',
  'InjectRecipe',
  'Injectable',
  'InvalidArgumentsError',
  'InvalidOutputError',
  'InvalidStateError',
  'KWayMerge',
  'KeyValue',
  'LOGGER',
  'MemoryLogger',
  'MemoryStorage',
  'Named',
  'OnBind',
  'OnCancel',
  'PartitionedBuffer',
  'Positional',
  'PostgresStorage',
  'Process',
  'Queue',
  'RecipeCursor',
  'RecipeError',
  'ReplayBuffer',
  'RowComparator',
  'SEALER',
  'SECRETS',
  'SETTINGS',
  'STORAGE',
  'SecretSealer',
  'Secrets',
  'Settings',
  'SiloError',
  'SqliteStorage',
  'StateField',
  'StderrLogger',
  'SystemClock',
  'TRACER',
  'TRANSACTION_STORAGE',
  'TableInput',
  'TopKBuffer',
  'TopKSelector',
  'UserCodeError',
  'VALUE_TYPE_NAMES',
  'arrowBatchCodec',
  'assertBatchConsistent',
  'batchFromColumns',
  'bootstrapWorker',
  'bytesCodec',
  'bytesToText',
  'checkKeyColumns',
  'coalesceBatches',
  'concatBatches',
  'concatRows',
  'createStorageFromEnv',
  'createToken',
  'dedupBatch',
  'defineModule',
  'deserializeBatch',
  'deserializeBatches',
  'emptyBatch',
  'firstUnsorted',
  'gatherRows',
  'hashRows',
  'isSiloError',
  'jsonCodec',
  'keyColumnNames',
  'mergeSortedRuns',
  'parseSortKeys',
  'partitionBatch',
  'partitionIndices',
  'readCoalesced',
  'resolveKeys',
  'resolveOption',
  'selectColumns',
  'serializeBatch',
  'serveWorker',
  'sortBatch',
  'sortOrder',
  'takeIndices',
  'takeRows',
  'toBytes',
  'topK',
  'topKOf',
];

const TYPES = [
  'ArgumentOptions',
  'BatchLogEntry',
  'BatchLogOptions',
  'BatchLogReadOptions',
  'BindContext',
  'BindResult',
  'BufferingFunctionClass',
  'BufferingFunctionOptions',
  'BufferingHandlers',
  'ClassProvider',
  'Clock',
  'CoalescedPosition',
  'Codec',
  'CollectionClass',
  'ColumnFilter',
  'DedupBufferOptions',
  'DefinitionProblem',
  'ErrorCodeEntry',
  'ExecutionContext',
  'ExecutionInfo',
  'ExternalSortOptions',
  'FactoryProvider',
  'FilterOp',
  'FinalizeContext',
  'FromArgs',
  'FunctionExample',
  'FunctionStability',
  'FunctionStorage',
  'GarbageCollectionOptions',
  'GarbageCollectionReport',
  'HookDecorator',
  'InjectBatchLogOptions',
  'InjectCodecOptions',
  'InjectCollectionOptions',
  'InjectRecipeStorage',
  'JsTypeOf',
  'JsonCodecOptions',
  'KeyLike',
  'KeyRange',
  'KeyValueEntriesOptions',
  'KeyValueOptions',
  'KeyedBatch',
  'ListScopesOptions',
  'LogCursor',
  'LogEntry',
  'LogFields',
  'LogLevel',
  'LogScanOptions',
  'Logger',
  'MergeOptions',
  'ModuleDefinition',
  'NamedArgumentOptions',
  'NamedPropertyDecorator',
  'ObservabilityOptions',
  'Output',
  'PartitionedBufferOptions',
  'PostgresPool',
  'PostgresStorageOptions',
  'Provider',
  'QueueOptions',
  'RecipeClass',
  'ReplayBufferOptions',
  'ReplayOptions',
  'RequiredSecret',
  'ResolvedKey',
  'RunPosition',
  'ScanOptions',
  'ScopeEnding',
  'ScopeInfo',
  'ScopeState',
  'ScopeStatus',
  'Sealer',
  'Secret',
  'SecretLookup',
  'ServeWorkerOptions',
  'SiloErrorCode',
  'SiloModule',
  'SiloSpan',
  'SiloTracer',
  'SiloWorker',
  'SinkContext',
  'SortKey',
  'SortKeySpec',
  'SortKeys',
  'SortedRun',
  'SqliteStorageOptions',
  'StateId',
  'StorageEntry',
  'StorageScope',
  'TableInputOptions',
  'Token',
  'TopKBufferOptions',
  'TypedPropertyDecorator',
  'ValueProvider',
  'ValueTypeName',
  'ValueTypes',
  'WorkerOptions',
];

describe('the package root (vgi-silo)', () => {
  it('should re-export every name explicitly, never with export *', () => {
    expect(declaredExports().star).toEqual([]);
  });

  it('should export exactly the author-facing values', () => {
    expect(declaredExports().values).toEqual(VALUES);
  });

  it('should export exactly the author-facing types', () => {
    expect(declaredExports().types).toEqual(TYPES);
  });

  it('should provide every exported value at runtime, and nothing else', () => {
    expect(Object.keys(root).sort()).toEqual(VALUES);
  });

  it('should leave the client and the server internals to their subpaths', () => {
    const names = new Set(Object.keys(root));
    for (const internal of [
      'runFunction',
      'WorkerConnection',
      'HttpConnection',
      'spawnWorkerChannel',
      'Dispatcher',
      'RequestHandler',
      'HttpRpcHandler',
      'listenHttp',
      'FunctionRegistry',
      'GarbageCollector',
    ]) {
      expect([internal, names.has(internal)]).toEqual([internal, false]);
    }
  });
});
