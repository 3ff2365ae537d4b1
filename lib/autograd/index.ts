// Registers the kernel backends (reference, js, gpu) before any op can ask for one.
import '../tensor/backends';
export * from './ops';
export { arange, eye, full, ones, onesLike, randn, scalar, tensor, TensorOptions, uniform, zeros, zerosLike } from './creation';
export { gradcheck, gradcheckCase, GradcheckError, GradcheckMismatch, GradcheckOptions, gradcheckRegistered, GradcheckReport, GradcheckRow } from './gradcheck';
export { GradcheckCase, listOps, OpInfo, registerOp } from './registry';
export { BackwardFn, GradNode, isGradEnabled, noGrad, record } from './tape';
export { fromNDArray, Tensor, TensorLike } from './tensor';
export { awayFromZero, check, normal, positive, Sampler } from './cases';
// The storage-level names users meet through tensors.
export { DType, TypedArray } from '../tensor/dtype';
export { ArrayArena } from '../tensor/arena';
export { getBackend, stepArena } from '../tensor/backend';
export { DTypeError, ShapeError, TripletError, ValueError } from '../tensor/errors';
export { NDArray, NestedArray } from '../tensor/ndarray';
export { Rng, RngState } from '../tensor/random';
export { Shape } from '../tensor/shape';
