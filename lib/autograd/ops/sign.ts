import { map } from '../../tensor/kernels/elementwise';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { asTensor } from './operands';

/** −1, 0 or 1. Piecewise constant, so not differentiable: its output never requires grad. */
export function sign(x: TensorLike): Tensor {
  const a = asTensor(x, 'sign');
  return record('sign', [a], map(a, 'Math.sign(a)'), null);
}

registerOp('sign', { differentiable: false });
