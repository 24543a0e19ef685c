import { defineModule } from 'vgi-silo';
import { Dedup } from './dedup.function';

/** Deduplication. */
export const DedupModule = defineModule({ name: 'dedup', functions: [Dedup] });
