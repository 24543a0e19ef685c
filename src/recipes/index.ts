/**
 * Recipes: the building blocks buffering functions compose. Pure Arrow algorithms —
 * stable row hashing and partitioning, sorting, k-way merging of sorted runs, top-k,
 * dedup by key, output coalescing — on batches of any schema.
 */
export { RecipeError } from './recipe.error';
export {
  type SortKey,
  type SortKeySpec,
  type SortKeys,
  type ResolvedKey,
  resolveKeys,
  keyColumnNames,
  parseSortKeys,
  checkKeyColumns,
} from './sort-keys';
export { RowComparator, type KeyedBatch } from './compare';
export { gatherRows, takeIndices, concatRows } from './gather';
export { hashRows, partitionIndices, partitionBatch } from './row-hash';
export { sortOrder, sortBatch, firstUnsorted } from './sort';
export { KWayMerge, mergeSortedRuns, type SortedRun, type MergeOptions, type RunPosition } from './merge';
export { topK, topKOf, TopKSelector } from './top-k';
export { FirstByKey, dedupBatch } from './dedup';
export { BatchCoalescer, coalesceBatches } from './coalesce';
export * from './storage';
