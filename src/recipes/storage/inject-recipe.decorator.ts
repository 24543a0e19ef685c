import { injectWithTransform } from 'tsyringe';
import { EXECUTION_STORAGE, type Token } from '../../container/tokens';
import { BoundStorage } from '../../providers/storage';
import { badOption } from '../recipe.error';

/** A recipe class: built from a storage view, a name and its options. */
export type RecipeClass<R, O> = new (storage: BoundStorage, name: string, options: O) => R;

/** Where the injected recipe keeps its data: `EXECUTION_STORAGE` unless said otherwise. */
export interface InjectRecipeStorage {
  readonly storage?: Token<BoundStorage>;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,95}$/;

/** Builds the recipe from the storage the execution's container resolved. */
class RecipeTransform {
  transform<R, O>(storage: unknown, kind: RecipeClass<R, O>, name: string, options: O): R {
    if (!(storage instanceof BoundStorage))
      throw badOption(
        `@InjectRecipe(${kind.name}, ${JSON.stringify(name)})`,
        'storage',
        'a token that provides a BoundStorage',
        typeof storage,
      );
    return new kind(storage, name, options);
  }
}

/**
 * Injects a storage recipe ({@link ExternalSort}, {@link PartitionedBuffer},
 * {@link ReplayBuffer}, {@link TopKBuffer}, {@link DedupBuffer}, or a class of your own
 * with the same constructor) bound to the current execution's storage. `name` keeps two
 * recipes of one function apart; options may be functions of the query's arguments.
 * The options are typed by the recipe class (so `order: 'desc'` in them stays a literal);
 * `@InjectRecipe(ExternalSort<SortArgs>, ...)` types the arguments of option functions too.
 *
 * @example
 * ```ts
 * constructor(
 *   @InjectRecipe(ExternalSort, 'sorted', { keys: (a: SortArgs) => a.by, fanIn: 64 }) private readonly sort: ExternalSort<SortArgs>,
 * ) {}
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any recipe class: its options type is read back below
export function InjectRecipe<C extends RecipeClass<unknown, any>>(
  kind: C,
  name: string,
  options: ConstructorParameters<C>[2] & InjectRecipeStorage,
): ParameterDecorator {
  const subject = `@InjectRecipe(${kind?.name ?? String(kind)}, ${JSON.stringify(name)})`;
  if (typeof kind !== 'function')
    throw badOption(subject, 'the recipe', 'a recipe class such as ExternalSort', String(kind));
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw badOption(
      subject,
      'the name',
      'letters, digits and _ . : / - (1 to 96, not starting with a punctuation mark)',
      JSON.stringify(name),
    );
  }
  const { storage = EXECUTION_STORAGE, ...recipeOptions } = options as InjectRecipeStorage & Record<string, unknown>;
  const decorate = injectWithTransform(storage, RecipeTransform, kind, name, recipeOptions);
  return (target, propertyKey, parameterIndex) => {
    if (propertyKey !== undefined)
      throw badOption(
        subject,
        'the decorated parameter',
        'a constructor parameter',
        `a parameter of ${String(propertyKey)}`,
      );
    decorate(target, propertyKey, parameterIndex);
  };
}
