// Registers the kernel backends (reference, js, gpu) before any op can ask for one.
import '../tensor/backends';
// Gives Tensor its methods (x.mul(y).sum(1), loss.backward()).
import './methods';
export * from './ops';
export {
  arange,
  eye,
  full,
  ones,
  onesLike,
  randn,
  resolveDType,
  scalar,
  tensor,
  TensorOptions,
  uniform,
  zeros,
  zerosLike,
} from './creation';
export {
  gradcheck,
  gradcheckCase,
  GradcheckError,
  GradcheckMismatch,
  gradcheckRegistered,
  GradcheckReport,
  GradcheckRow,
} from './gradcheck';
export { GradcheckCase, GradcheckOptions, listOps, OpInfo, registerOp } from './registry';
export { isGradEnabled, noGrad, record } from './tape';
export { BackwardFn, fromNDArray, GradNode, Tensor, TensorLike } from './tensor';
export { awayFromZero, check, normal, positive, Sampler } from './cases';
// The storage-level names users meet through tensors.
export { DType, TypedArray } from '../tensor/dtype';
export { ArrayArena } from '../tensor/arena';
export { getBackend, stepArena } from '../tensor/backend';
export { DTypeError, ShapeError, TripletError, ValueError } from '../tensor/errors';
export { NDArray, NestedArray } from '../tensor/ndarray';
export { Rng, RngState } from '../tensor/random';
export { Shape } from '../tensor/shape';
