import { MemoryStorage } from '../../../../src/providers/storage/memory-storage.provider';
import { describeStorageConformance } from '../../../../src/testing/storage-conformance';

describeStorageConformance('MemoryStorage', () => new MemoryStorage(), { counterWraparound: true });
