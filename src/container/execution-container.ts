import type { DependencyContainer } from 'tsyringe';
import { BaseLogger, type Logger } from '../providers/logging';
import { BoundStorage, type FunctionStorage } from '../providers/storage';
import type { Secrets } from '../providers/secrets';
import type { Settings } from '../providers/settings';
import { currentClientLog } from './call-scope';
import type { ExecutionInfo } from './execution-info';
import { messages } from '../errors';
import { unavailableStorage } from '../providers/storage/unavailable-storage';
import {
  ABORT_SIGNAL,
  ATTACH_STORAGE,
  EXECUTION,
  EXECUTION_STORAGE,
  LOGGER,
  SECRETS,
  SETTINGS,
  STORAGE,
  TRANSACTION_STORAGE,
} from './tokens';

/** What the framework knows of an execution when it builds its scope. */
interface ExecutionScopeInput {
  readonly info: ExecutionInfo;
  readonly secrets: Secrets;
  readonly settings: Settings;
  readonly signal: AbortSignal;
  /** The storage backend as the dispatcher uses it (observed); default the root's `STORAGE`. */
  readonly storage?: FunctionStorage;
}

/**
 * A logger for one execution: every record goes to the worker's logger (tagged with the
 * function and execution) and, when a call is running, to DuckDB as a client log.
 */
export function executionLogger(base: Logger, info: ExecutionInfo): Logger {
  const tagged = base.child({ function: info.functionName, execution: Buffer.from(info.executionId).toString('hex') });
  return new BaseLogger((level, message, fields) => {
    tagged[level](message, fields);
    currentClientLog()?.(level, message, fields);
  }, 'trace');
}

/**
 * The child container of one execution: storage bound to the execution id and to the
 * attach, the execution's logger, secrets, settings and abort signal. Everything else
 * resolves from the root.
 */
export function createExecutionContainer(root: DependencyContainer, input: ExecutionScopeInput): DependencyContainer {
  const child = root.createChildContainer();
  const storage = input.storage ?? root.resolve<FunctionStorage>(STORAGE);
  child.register(EXECUTION_STORAGE, {
    useValue: BoundStorage.forUser(storage, { kind: 'execution', id: input.info.executionId }),
  });
  child.register(ATTACH_STORAGE, {
    useValue: BoundStorage.forUser(storage, { kind: 'attach', id: input.info.attachId }),
  });
  const transaction = input.info.transactionId;
  child.register(TRANSACTION_STORAGE, {
    useValue: transaction
      ? BoundStorage.forUser(storage, { kind: 'transaction', id: transaction })
      : BoundStorage.forUser(unavailableStorage(messages.noTransactionStorage()), {
          kind: 'transaction',
          id: new Uint8Array(0),
        }),
  });
  child.register(LOGGER, { useValue: executionLogger(root.resolve<Logger>(LOGGER), input.info) });
  child.register(SECRETS, { useValue: input.secrets });
  child.register(SETTINGS, { useValue: input.settings });
  child.register(ABORT_SIGNAL, { useValue: input.signal });
  child.register(EXECUTION, { useValue: input.info });
  return child;
}
