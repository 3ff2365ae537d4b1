/**
 * triplet: a deep-learning engine written from scratch in TypeScript, and the triplet-loss trainer built on it.
 * This is the public API; everything exported here is documented in the README.
 */
export * from './autograd';
export { Backend, getBackend, setBackend } from './tensor/backend';
export { DType } from './tensor/dtype';
export { DTypeError, ShapeError, TripletError, ValueError } from './tensor/errors';
export { NDArray, NestedArray } from './tensor/ndarray';
export { Rng, RngState } from './tensor/random';
export { Shape } from './tensor/shape';
