import { defineModule } from 'vgi-silo';
import { BufferInputFunction } from '../../samples/conformance/buffer-input.function';
import { KeySumFunction } from './key-sum.function';
import { SortByKeyFunction } from './sort-by-key.function';

/**
 * The functions of the wire benchmark, served as catalog `bench`: W1 runs the conformance
 * fixture `buffer_input` (the same class the conformance worker serves, without the other
 * fixtures), W2 `key_sum`, W3 `sort_by_key`. Three functions, as in the vendor SDK's worker.
 *
 * @example
 * ```ts
 * const worker = await bootstrapWorker({ catalog: BENCH_CATALOG, modules: [BenchModule] });
 * ```
 */
export const BenchModule = defineModule({
  name: 'bench',
  functions: [BufferInputFunction, KeySumFunction, SortByKeyFunction],
});

/** The catalog the bench functions are served as. */
export const BENCH_CATALOG = 'bench';
