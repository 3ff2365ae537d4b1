import { NDArray } from '../tensor/ndarray';
import { fromNDArray, isGradEnabled, mul, record, Tensor } from '../autograd';

/**
 * The fused losses walk the distance matrix D in loops (backend kernels, tensor/kernels/triplet.ts) and add each
 * triplet's slope dℓ/dt into a [B,B] gradient: +ℓ' into D[a,p], −ℓ' into D[a,n]. Whether a gradient of D will
 * be asked for, so that the slopes are worth summing:
 */
export function wantsSlopes(d: Tensor): boolean {
  return isGradEnabled() && d.requiresGrad;
}

/**
 * Records the loss (a scalar, `value`) as a function of D, with the gradient the kernel computed with it: ∂/∂D =
 * grad·g. Tensors, so that on a device the loss and its gradient stay there.
 */
export function recordFusedLoss(op: string, d: Tensor, value: Tensor, grad: NDArray | null): Tensor {
  return record(op, [d], value, (g) => [mul(fromNDArray(grad!), g)]);
}
