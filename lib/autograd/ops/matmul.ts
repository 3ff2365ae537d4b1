import { ShapeError } from '../../tensor/errors';
import { getBackend } from '../../tensor/backend';
import { checkSameDType } from '../../tensor/kernels/elementwise';
import { formatShape } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';

function flags(transposeA: boolean, transposeB: boolean): string {
  const names = [transposeA ? 'transposeA' : '', transposeB ? 'transposeB' : ''].filter(Boolean);
  return names.length > 0 ? ` (${names.join(', ')})` : '';
}

/** C = op(A)·op(B) for matrices, where op transposes when its flag is set. */
export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(`matmul: expects 2-D tensors, got ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  }
  checkSameDType('matmul', a, b);
  const inner = [transposeA ? a.shape[0] : a.shape[1], transposeB ? b.shape[1] : b.shape[0]];
  if (inner[0] !== inner[1]) {
    throw new ShapeError(
      `matmul: inner dimensions differ: ${formatShape(a.shape)} x ${formatShape(b.shape)}${flags(transposeA, transposeB)}`,
    );
  }
  // C = AB: ∂L/∂A = G·Bᵀ, ∂L/∂B = Aᵀ·G. With transposed operands the same identities, transposed back:
  return record('matmul', [a, b], getBackend().matmul(a, b, transposeA, transposeB), (g) => {
    const [da, db] = gradients(a, b, g, transposeA, transposeB);
    return [a.requiresGrad ? da() : null, b.requiresGrad ? db() : null];
  });
}

/** The two gradients of C = op(A)·op(B), as thunks so that only the ones asked for are computed. */
function gradients(
  a: Tensor,
  b: Tensor,
  g: Tensor,
  transposeA: boolean,
  transposeB: boolean,
): [() => Tensor, () => Tensor] {
  if (!transposeA && !transposeB) return [() => matmul(g, b, false, true), () => matmul(a, g, true, false)];
  if (transposeA && !transposeB) return [() => matmul(b, g, false, true), () => matmul(a, g, false, false)]; // C = AᵀB
  if (!transposeA && transposeB) return [() => matmul(g, b, false, false), () => matmul(g, a, true, false)]; // C = ABᵀ
  return [() => matmul(b, g, true, true), () => matmul(g, a, true, true)]; // C = AᵀBᵀ
}

registerOp('matmul', {
  cases: [
    check((a, b) => matmul(a, b), [normal([3, 4]), normal([4, 5])], '[3,4] x [4,5]'),
    check((a, b) => matmul(a, b, true, false), [normal([4, 3]), normal([4, 5])], '[4,3]ᵀ x [4,5]'),
    check((a, b) => matmul(a, b, false, true), [normal([3, 4]), normal([5, 4])], '[3,4] x [5,4]ᵀ'),
    check((a, b) => matmul(a, b, true, true), [normal([4, 3]), normal([5, 4])], '[4,3]ᵀ x [5,4]ᵀ'),
  ],
});
