import { defineModule } from 'vgi-silo';
import { KeySumFunction } from './key-sum.function';
import { SortByKeyFunction } from './sort-by-key.function';

/**
 * The functions of the wire benchmark's W2 and W3 (W1 uses the conformance worker's
 * `buffer_input`), served as catalog `bench`.
 *
 * @example
 * ```ts
 * const worker = await bootstrapWorker({ catalog: BENCH_CATALOG, modules: [BenchModule] });
 * ```
 */
export const BenchModule = defineModule({ name: 'bench', functions: [KeySumFunction, SortByKeyFunction] });

/** The catalog the bench functions are served as. */
export const BENCH_CATALOG = 'bench';
