import { defineModule } from 'vgi-silo';
import { TopK } from './top-k.function';

/** Ranking functions. */
export const TopKModule = defineModule({ name: 'top-k', functions: [TopK] });
