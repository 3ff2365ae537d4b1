/**
 * triplet: a deep-learning engine written from scratch in TypeScript, and the triplet-loss trainer built on it.
 * This is the public API; everything exported here is documented in the README.
 */
export * from './autograd';
export { Backend, getBackend, setBackend } from './tensor/backend';
export * from './triplet';
export * from './nn';
export { FileError, writeFileAtomic } from './util/files';
export * from './train';
