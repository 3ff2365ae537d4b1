import { ValueError } from '../../tensor/errors';
import { map } from '../../tensor/kernels/elementwise';
import { check, normal, positive } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { mul } from './mul';
import { asTensor } from './operands';

/** xᵖ for a number p (a negative base needs an integer p, or the result is NaN as in Math.pow). */
export function pow(x: TensorLike, p: number): Tensor {
  const a = asTensor(x, 'pow');
  if (typeof p !== 'number' || !Number.isFinite(p)) throw new ValueError(`pow: the exponent must be a finite number, got ${String(p)}`);
  // ∂xᵖ/∂x = p·xᵖ⁻¹
  return record('pow', [a], map(a, 'Math.pow(a, c)', p), (g) => [mul(g, mul(pow(a, p - 1), p))]);
}

registerOp('pow', {
  cases: [
    check((x) => pow(x, 3), [normal([3, 4])], '[3,4] ^ 3'),
    check((x) => pow(x, -1.5), [positive([3, 4])], '[3,4] ^ -1.5'),
    check((x) => pow(x, 0.5), [positive([5])], '[5] ^ 0.5'),
  ],
});
