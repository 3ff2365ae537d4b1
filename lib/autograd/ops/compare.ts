import { Formula, zip } from '../../tensor/kernels/elementwise';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { operands } from './operands';

/**
 * Comparisons give masks: tensors of 0s and 1s in the operands' dtype, so a mask multiplies directly.
 * They are piecewise constant, hence not differentiable; their outputs never require grad.
 */
function comparison(name: string, test: Formula): (x: TensorLike, y: TensorLike) => Tensor {
  registerOp(name, { differentiable: false });
  return (x, y) => {
    const [a, b] = operands(name, x, y);
    return record(name, [a, b], zip(a, b, test, name), null);
  };
}

export const eq = comparison('eq', 'a === b ? 1 : 0');
export const ne = comparison('ne', 'a !== b ? 1 : 0');
export const gt = comparison('gt', 'a > b ? 1 : 0');
export const ge = comparison('ge', 'a >= b ? 1 : 0');
export const lt = comparison('lt', 'a < b ? 1 : 0');
export const le = comparison('le', 'a <= b ? 1 : 0');
