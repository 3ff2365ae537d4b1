import { Kernels } from '../backend';
import { map, zip } from '../kernels/elementwise';
import { diagMatrix, strided } from '../kernels/layout';
import { reduce } from '../kernels/reduce';
import { batchAllReference, labelMasksReference, semiHardReference } from '../kernels/triplet';

/**
 * The array ops and the fused loss's sums, which a backend without a device of its own runs as the plain loops of
 * tensor/kernels.
 */
export type ArrayOps = Pick<
  Kernels,
  'map' | 'zip' | 'reduce' | 'strided' | 'diagMatrix' | 'tripletBatchAll' | 'tripletSemiHard' | 'labelMasks'
>;

export const hostArrayOps: ArrayOps = {
  map,
  zip,
  reduce,
  strided,
  diagMatrix,
  tripletBatchAll: batchAllReference,
  tripletSemiHard: semiHardReference,
  labelMasks: (labels, like) => labelMasksReference(labels, like.dtype),
};
