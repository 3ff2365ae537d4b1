import { DType, fromNDArray, resolveDType, Tensor, zeros } from '../autograd';
import { labelMasksReference } from '../tensor/kernels/triplet';
import { Labels, labelArray } from './labels';

/** Masks are 0/1 tensors in the embeddings' dtype, so they multiply distances directly. */
export interface MaskOptions {
  dtype?: DType;
}

/** [B,B]: 1 where a ≠ p and label(a) = label(p) — the valid anchor–positive pairs. */
export function anchorPositiveMask(labels: Labels, options: MaskOptions = {}): Tensor {
  const l = labelArray(labels, undefined, 'anchorPositiveMask');
  return fromNDArray(labelMasksReference(l, resolveDType(options.dtype, 'anchorPositiveMask')).positive);
}

/** [B,B]: 1 where label(a) ≠ label(n) — the valid anchor–negative pairs. */
export function anchorNegativeMask(labels: Labels, options: MaskOptions = {}): Tensor {
  const l = labelArray(labels, undefined, 'anchorNegativeMask');
  return fromNDArray(labelMasksReference(l, resolveDType(options.dtype, 'anchorNegativeMask')).negative);
}

/**
 * [B,B,B]: 1 where a, p, n are distinct, label(a) = label(p) and label(a) ≠ label(n) — the valid triplets.
 * B³ entries: for inspection and tests; the losses never build it.
 */
export function tripletMask(labels: Labels, options: MaskOptions = {}): Tensor {
  const l = labelArray(labels, undefined, 'tripletMask');
  const b = l.length;
  const mask = zeros([b, b, b], options);
  for (let a = 0; a < b; a++) {
    for (let p = 0; p < b; p++) {
      if (p === a || l[p] !== l[a]) continue;
      for (let n = 0; n < b; n++) if (l[n] !== l[a]) mask.data[(a * b + p) * b + n] = 1;
    }
  }
  return mask;
}
