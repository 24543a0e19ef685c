export * from './function-storage';
export * from './bound-storage';
export { MemoryStorage } from './memory-storage.provider';
export { toBytes, bytesToText, compareBytes, toHex, fromHex, concatBytes, type KeyLike } from './bytes';
