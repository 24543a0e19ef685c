/**
 * Storage-backed recipes: what a buffering function's hooks delegate to. Each is built
 * from the execution's storage (inject it with `@InjectRecipe()`), keeps everything later
 * phases need in storage or in the finalize state ({@link RecipeCursor}), and bounds its
 * memory however large the input.
 */
export { RecipeCursor } from './recipe-cursor';
export { type FromArgs, resolveOption } from './options';
export { readCoalesced, type CoalescedPosition } from './coalesced-read';
export { ReplayBuffer, type ReplayBufferOptions } from './replay.buffer';
export { PartitionedBuffer, type PartitionedBufferOptions } from './partitioned.buffer';
export { ExternalSort, type ExternalSortOptions } from './external-sort';
export { TopKBuffer, type TopKBufferOptions } from './top-k.buffer';
export { DedupBuffer, type DedupBufferOptions } from './dedup.buffer';
export { InjectRecipe, type RecipeClass, type InjectRecipeStorage } from './inject-recipe.decorator';
