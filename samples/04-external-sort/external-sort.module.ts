import { defineModule } from 'vgi-silo';
import { ExternalSortFunction } from './external-sort.function';

/** Sorting. */
export const ExternalSortModule = defineModule({ name: 'external-sort', functions: [ExternalSortFunction] });
