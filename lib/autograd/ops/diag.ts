import { ShapeError } from '../../tensor/errors';
import { getBackend } from '../../tensor/backend';
import { diagonalWalk } from '../../tensor/kernels/layout';
import { formatShape } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { fromNDArray, Tensor } from '../tensor';

/**
 * NumPy's diag: a vector becomes the square matrix with it on the diagonal; a matrix gives its main diagonal.
 * The two are each other's adjoint, so each one's gradient is the other.
 */
export function diag(x: Tensor): Tensor {
  const backend = getBackend();
  if (x.rank === 1) return record('diag', [x], backend.diagMatrix(x, x.shape[0], x.shape[0]), (g) => [diag(g)]);
  if (x.rank === 2) {
    const [rows, cols] = x.shape;
    const grad = (g: Tensor): Tensor[] => [fromNDArray(getBackend().diagMatrix(g, rows, cols))];
    return record('diag', [x], backend.strided(x, diagonalWalk(x.shape)), grad);
  }
  throw new ShapeError(`diag: expects a vector or a matrix, got ${formatShape(x.shape)}`);
}

registerOp('diag', {
  cases: [
    check((x) => diag(x), [normal([4])], '[4] → matrix'),
    check((x) => diag(x), [normal([3, 5])], '[3,5] → diagonal'),
  ],
});
