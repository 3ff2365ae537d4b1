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
  const f = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  // ∂softplus/∂x = σ(x)
  return record('softplus', [a], map(a, f), (g) => [mul(g, sigmoid(a))]);
}

registerOp('softplus', { cases: [check(softplus, [normal([3, 4])])] });
