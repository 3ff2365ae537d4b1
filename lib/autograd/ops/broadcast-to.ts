import { getBackend } from '../../tensor/backend';
import { broadcastWalk } from '../../tensor/kernels/layout';
import { Shape } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';

/** x repeated along its size-1 (and missing leading) axes to `shape`. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  // every copy sends its gradient back to the one original: the tape sums g back to x's shape
  return record('broadcastTo', [x], getBackend().strided(x, broadcastWalk(x.shape, shape, 'broadcastTo')), (g) => [g]);
}

registerOp('broadcastTo', { cases: [check((x) => broadcastTo(x, [2, 3, 4]), [normal([3, 1])], '[3,1] → [2,3,4]')] });
