import { zip } from '../../tensor/kernels/elementwise';
import { binaryChecks } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { ge, gt, le, lt } from './compare';
import { mul } from './mul';
import { operands } from './operands';

/** Elementwise max(x, y); NaN in either gives NaN. A tie sends the whole gradient to x (TensorFlow's rules). */
export function maximum(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('maximum', x, y);
  // ∂max/∂x = [x ≥ y], ∂max/∂y = [x < y]
  return record('maximum', [a, b], zip(a, b, 'a !== a || a >= b ? a : b', 'maximum'), (g) => [mul(g, ge(a, b)), mul(g, lt(a, b))]);
}

/** Elementwise min(x, y); NaN in either gives NaN. A tie sends the whole gradient to x. */
export function minimum(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('minimum', x, y);
  // ∂min/∂x = [x ≤ y], ∂min/∂y = [x > y]
  return record('minimum', [a, b], zip(a, b, 'a !== a || a <= b ? a : b', 'minimum'), (g) => [mul(g, le(a, b)), mul(g, gt(a, b))]);
}

registerOp('maximum', { cases: binaryChecks(maximum) });
registerOp('minimum', { cases: binaryChecks(minimum) });
