import { map } from '../../tensor/kernels/elementwise';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { mul } from './mul';
import { asTensor } from './operands';
import { sigmoid } from './sigmoid';

/** ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|) so large |x| neither overflows nor loses digits. */
export function softplus(x: TensorLike): Tensor {
  const a = asTensor(x, 'softplus');
  // ∂softplus/∂x = σ(x)
  return record('softplus', [a], map(a, 'Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)))'), (g) => [mul(g, sigmoid(a))]);
}

registerOp('softplus', { cases: [check(softplus, [normal([3, 4])])] });
