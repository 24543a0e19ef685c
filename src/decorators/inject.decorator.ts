import { inject, injectable } from 'tsyringe';

/**
 * Injects a provider by token into a constructor parameter. Required for every
 * interface-typed parameter (`BoundStorage`, `Logger`, ...), because TypeScript emits
 * no runtime type for interfaces.
 *
 * @example
 * ```ts
 * constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage,
 *             @Inject(LOGGER) private readonly log: Logger) {}
 * ```
 */
export const Inject = inject;

/**
 * Marks a service class (not a function) as constructible by the container, so it can
 * be listed in a module's `providers` and injected by type.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Ranker { constructor(@Inject(CLOCK) private readonly clock: Clock) {} }
 * export const RankingModule = defineModule({ functions: [TopK], providers: [Ranker] });
 * ```
 */
export const Injectable = injectable;
