/**
 * triplet: a deep-learning engine written from scratch in TypeScript, and the triplet-loss trainer built on it.
 * This is the public API; everything exported here is documented in the README.
 */
export * from './autograd';
export { Backend, BackendOptions, getBackend, onBackendNotice, setBackend, withBackend } from './tensor/backend';
export { createJsBackend, JsBackend } from './tensor/backends';
export * from './triplet';
export * from './nn';
export { FileError, writeFileAtomic } from './util/files';
export * from './train';
export * from './data';
export * from './summaries';
export * from './export';
export * from './viz';
