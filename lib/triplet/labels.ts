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

/** For each label value, the rows that carry it. */
function groupsOf(labels: Int32Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const group = groups.get(label);
    if (group) group.push(i);
    else groups.set(label, [i]);
  });
  return groups;
}

/**
 * Calls visit(a, p, negatives) for every anchor–positive pair (a ≠ p, same label), in anchor order, with the rows
 * whose label differs from the anchor's: the enumeration every mining strategy starts from.
 */
export function forEachPositivePair(
  labels: Int32Array,
  visit: (a: number, p: number, negatives: readonly number[]) => void,
): void {
  const groups = groupsOf(labels);
  const negativesOf = new Map<number, number[]>();
  for (const label of groups.keys()) {
    const negatives: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] !== label) negatives.push(i);
    negativesOf.set(label, negatives);
  }
  for (let a = 0; a < labels.length; a++) {
    const negatives = negativesOf.get(labels[a])!;
    for (const p of groups.get(labels[a])!) if (p !== a) visit(a, p, negatives);
  }
}
