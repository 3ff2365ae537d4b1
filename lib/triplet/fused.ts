import { allocate } from '../tensor/arena';
import { inDType } from '../tensor/kernels/triplet';
import { NDArray } from '../tensor/ndarray';
import { fromNDArray, isGradEnabled, mul, record, Tensor } from '../autograd';

/**
 * The fused losses walk the distance matrix D in loops and add each triplet's slope dℓ/dt into a [B,B] buffer:
 * +ℓ' into D[a,p], −ℓ' into D[a,n]. None is needed when no gradient will be asked for.
 */
export function slopeBuffer(d: Tensor): Float64Array | null {
  return wantsSlopes(d) ? (allocate('float64', d.size) as Float64Array) : null;
}

/** Whether a gradient of D will be asked for: the slopes are worth summing. */
export function wantsSlopes(d: Tensor): boolean {
  return isGradEnabled() && d.requiresGrad;
}

/** A slope buffer's sums as an array of D's dtype (null stays null). */
export function slopesOf(buffer: Float64Array | null, d: Tensor): NDArray | null {
  return buffer && inDType(buffer, d);
}

/**
 * Records loss = value (a scalar, = Σℓ·scale) as a function of D, with ∂loss/∂D = slopes·scale: tensors, so that
 * on a device the loss and its gradient stay there.
 */
export function recordFusedLoss(op: string, d: Tensor, value: Tensor, scale: Tensor, slopes: NDArray | null): Tensor {
  return record(op, [d], value, (g) => [mul(mul(fromNDArray(slopes!), scale), g)]);
}
