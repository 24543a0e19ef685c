import type { Constructor } from '../metadata';
import type { Provider } from '../container/providers';
import { SiloError, messages } from '../errors';

const MODULE_BRAND = Symbol.for('vgi-silo.module');

/** What {@link defineModule} takes. */
export interface ModuleDefinition {
  /** Classes decorated with `@BufferingFunction()`. */
  readonly functions?: readonly Constructor[];
  /** Services and overrides available to the functions of the whole worker. */
  readonly providers?: readonly Provider[];
  /** Other modules whose functions and providers this one brings along. */
  readonly imports?: readonly SiloModule[];
  /** A name for diagnostics. */
  readonly name?: string;
}

/** A module: an explicit list of functions and providers. Nothing is discovered from disk. */
export interface SiloModule {
  readonly name: string;
  readonly functions: readonly Constructor[];
  readonly providers: readonly Provider[];
  readonly imports: readonly SiloModule[];
  readonly [MODULE_BRAND]: true;
}

/**
 * Groups functions and the providers they need. Modules are plain values: defining one
 * registers nothing; a worker bootstrap (or a TestBed) registers the modules it is given.
 *
 * @example
 * ```ts
 * export const RankingModule = defineModule({
 *   name: 'ranking',
 *   functions: [TopK],
 *   providers: [Ranker],
 *   imports: [CommonModule],
 * });
 * ```
 */
export function defineModule(definition: ModuleDefinition): SiloModule {
  return {
    name: definition.name ?? (definition.functions?.map((f) => f.name).join('+') || 'module'),
    functions: [...(definition.functions ?? [])],
    providers: [...(definition.providers ?? [])],
    imports: [...(definition.imports ?? [])],
    [MODULE_BRAND]: true,
  };
}

/** True for a value made by {@link defineModule}. */
function isSiloModule(value: unknown): value is SiloModule {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MODULE_BRAND] === true;
}

/**
 * Walks the module graph depth-first, imports before importers, each module once (a
 * module imported twice, or a cycle, contributes once). Later providers override
 * earlier ones for the same token, so an importer can replace what it imports.
 */
export function flattenModules(roots: readonly SiloModule[]): { functions: Constructor[]; providers: Provider[] } {
  const seen = new Set<SiloModule>();
  const functions: Constructor[] = [];
  const providers: Provider[] = [];
  const visit = (m: SiloModule) => {
    if (seen.has(m)) return;
    seen.add(m);
    if (!isSiloModule(m)) throw new SiloError('SILO125', messages.notAModule(typeof m));
    m.imports.forEach(visit);
    for (const f of m.functions) if (!functions.includes(f)) functions.push(f);
    providers.push(...m.providers);
  };
  roots.forEach(visit);
  return { functions, providers };
}
