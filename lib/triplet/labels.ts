import { allocateIndices } from '../tensor/arena';
import { ShapeError, Tensor, ValueError } from '../autograd';
import { formatShape } from '../tensor/shape';

/** Integer class labels, one per row of the embeddings: a list, a typed array, or a rank-1 tensor. */
export type Labels = ArrayLike<number> | Tensor;

/**
 * Reads labels into an Int32Array and checks them against the batch. A [B,1] tensor is refused: broadcasting it
 * against [B] silently builds wrong masks (a classic Keras trap, omoindrot#18).
 */
export function labelArray(labels: Labels, batch: number | undefined, op: string): Int32Array {
  if (labels instanceof Tensor && labels.rank !== 1) {
    throw new ShapeError(`${op}: labels must be a vector [B], got a tensor of shape ${formatShape(labels.shape)}`);
  }
  const values = labels instanceof Tensor ? labels.data : labels;
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new ValueError(`${op}: labels must be an array of integers`);
  }
  if (batch !== undefined && values.length !== batch) {
    throw new ShapeError(`${op}: ${values.length} labels for a batch of ${batch} embeddings`);
  }
  const out = allocateIndices(values.length); // in a training step, from its arena
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new ValueError(`${op}: label ${i} is ${String(v)}, not an integer`);
    out[i] = v;
  }
  return out;
}
