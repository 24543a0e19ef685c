import type { FunctionStorage } from '.';
import { SiloError } from '../../errors';

/**
 * A backend that refuses every call with one explanation: what the bind-time
 * `EXECUTION_STORAGE` is, since no execution exists while DuckDB plans the query.
 */
export function unavailableStorage(reason: string): FunctionStorage {
  return new Proxy({ backend: 'unavailable' } as FunctionStorage, {
    get(target, property) {
      if (property === 'backend') return target.backend;
      if (property === 'then') return undefined;
      return () => Promise.reject(new SiloError('SILO514', reason));
    },
  });
}
