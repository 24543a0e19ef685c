export * from './secrets';
export type { Sealer } from './sealer';
