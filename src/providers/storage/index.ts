export * from './function-storage';
export * from './bound-storage';
export { MemoryStorage } from './memory-storage.provider';
export { toBytes, bytesToText, compareBytes, toHex, fromHex, concatBytes, type KeyLike } from '../../common/bytes';
export { SqliteStorage, type SqliteStorageOptions } from './sqlite-storage.provider';
export { PostgresStorage, type PostgresStorageOptions } from './postgres-storage.provider';
export type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from './postgres-pool';
export { createStorageFromEnv } from './storage-from-env';
export { GarbageCollector, type GarbageCollectorOptions } from './garbage-collector';
