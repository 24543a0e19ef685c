import { defineModule } from 'vgi-silo';
import { PerKeySum } from './per-key-sum.function';

/** Aggregations. */
export const PerKeySumModule = defineModule({ name: 'per-key-sum', functions: [PerKeySum] });
