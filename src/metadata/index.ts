export * from './metadata.types';
export * from './value-types';
export { metadataReader } from './metadata.reader';
export { metadataWriter } from './metadata.writer';
