import { NDArray } from '../tensor/ndarray';
import { fromNDArray, isGradEnabled, mul, record, Tensor } from '../autograd';

/**
 * The fused losses walk the distance matrix D in loops (backend kernels, tensor/kernels/triplet.ts) and add each
 * triplet's slope dℓ/dt into a [B,B] array: +ℓ' into D[a,p], −ℓ' into D[a,n]. Whether a gradient of D will be
 * asked for, so that the slopes are worth summing:
 */
export function wantsSlopes(d: Tensor): boolean {
  return isGradEnabled() && d.requiresGrad;
}

/**
 * Records loss = value (a scalar, = Σℓ·scale) as a function of D, with ∂loss/∂D = slopes·scale: tensors, so that
 * on a device the loss and its gradient stay there.
 */
export function recordFusedLoss(op: string, d: Tensor, value: Tensor, scale: Tensor, slopes: NDArray | null): Tensor {
  return record(op, [d], value, (g) => [mul(mul(fromNDArray(slopes!), scale), g)]);
}
