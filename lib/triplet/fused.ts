import { allocate } from '../tensor/arena';
import { fromNDArray, isGradEnabled, record, scalar, Tensor } from '../autograd';

/**
 * The fused losses walk the distance matrix D in loops and add each triplet's slope dℓ/dt into a [B,B] buffer:
 * +ℓ' into D[a,p], −ℓ' into D[a,n]. None is needed when no gradient will be asked for.
 */
export function slopeBuffer(d: Tensor): Float64Array | null {
  return isGradEnabled() && d.requiresGrad ? (allocate('float64', d.size) as Float64Array) : null;
}

/** Records loss = sum·scale as a function of D, with ∂loss/∂D = slopes·scale. */
export function recordFusedLoss(
  op: string,
  d: Tensor,
  sum: number,
  scale: number,
  slopes: Float64Array | null,
): Tensor {
  return record(op, [d], scalar(sum * scale, { dtype: d.dtype }), (g) => {
    const grad = allocate(d.dtype, d.size, false);
    for (let i = 0; i < grad.length; i++) grad[i] = slopes![i] * scale * g.data[0];
    return [fromNDArray({ data: grad, shape: d.shape, dtype: d.dtype })];
  });
}
