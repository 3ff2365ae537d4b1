// The pointwise ops share one page, pointwise.ts (formula, gradient, checks: one row each); every other op has a
// file of its own showing its forward, its gradient (with the formula) and the checks that prove it.
export {
  abs,
  add,
  clamp,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  relu,
  sigmoid,
  sign,
  softplus,
  sqrt,
  square,
  sub,
} from './pointwise';
export { argmax, argmin } from './argmax';
export { broadcastTo } from './broadcast-to';
export { cast } from './cast';
export { concat } from './concat';
export { conv2d, Conv2dOptions } from './conv2d';
export { diag } from './diag';
export { gather } from './gather';
export { matmul } from './matmul';
export { max, min } from './max';
export { maxPool2d, MaxPool2dOptions } from './max-pool2d';
export { mean } from './mean';
export { norm } from './norm';
export { expandDims, reshape, squeeze } from './reshape';
export { slice } from './slice';
export { sum } from './sum';
export { permute, transpose } from './transpose';
export { where } from './where';
