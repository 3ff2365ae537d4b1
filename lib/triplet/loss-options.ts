import { check, GradcheckCase, normal, Tensor, ValueError } from '../autograd';
import { Labels } from './labels';
import { DistanceOptions } from './distances';

export interface TripletLossOptions extends DistanceOptions {
  /**
   * Hermans et al. 2017: softplus(d(a,p) − d(a,n)) in place of relu(d(a,p) − d(a,n) + margin); the margin is
   * then unused. Default false.
   */
  softMargin?: boolean;
}

export function checkMargin(margin: number, op: string): void {
  if (typeof margin !== 'number' || !Number.isFinite(margin)) {
    throw new ValueError(`${op}: margin must be a finite number, got ${String(margin)}`);
  }
}

/** The gradient checks every loss registers: hinge, squared distances, soft margin, on a batch of 8 with 3 labels. */
export function lossChecks(
  loss: (labels: Labels, embeddings: Tensor, margin: number, options?: TripletLossOptions) => Tensor,
): GradcheckCase[] {
  const labels = [0, 1, 0, 2, 1, 0, 2, 1];
  return [
    check((e) => loss(labels, e, 0.5), [normal([8, 3])], '[8,3] margin 0.5'),
    check((e) => loss(labels, e, 0.3, { squared: true }), [normal([8, 3])], '[8,3] squared'),
    check((e) => loss(labels, e, 0, { softMargin: true }), [normal([8, 3])], '[8,3] soft margin'),
  ];
}
