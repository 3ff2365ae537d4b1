import { ValueError } from '../../tensor/errors';
import { map } from '../../tensor/kernels/elementwise';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { ge, le } from './compare';
import { logicalAnd } from './logical';
import { mul } from './mul';
import { asTensor } from './operands';

/** x limited to [low, high] (either bound may be ±Infinity). */
export function clamp(x: TensorLike, low: number, high: number): Tensor {
  const a = asTensor(x, 'clamp');
  if (!(low <= high)) throw new ValueError(`clamp: low (${low}) must not exceed high (${high})`);
  // ∂clamp/∂x = 1 inside [low, high] (bounds included, as PyTorch and TensorFlow), 0 outside
  return record('clamp', [a], map(a, 'a < c ? c : a > d ? d : a', low, high), (g) => [
    mul(g, logicalAnd(ge(a, low), le(a, high))),
  ]);
}

registerOp('clamp', { cases: [check((x) => clamp(x, -0.5, 0.7), [normal([4, 5])], '[4,5] in [-0.5, 0.7]')] });
