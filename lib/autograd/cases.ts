import { Rng } from '../tensor/random';
import { formatShape, Shape } from '../tensor/shape';
import { randn, uniform } from './creation';
import { GradcheckCase, GradcheckOptions } from './registry';
import { Tensor } from './tensor';

/**
 * Input samplers for gradient checks. Finite differences are only right away from kinks, so each op says where
 * its inputs may fall: anywhere, strictly positive, or at a safe distance from 0.
 */
export type Sampler = ((rng: Rng) => Tensor) & { readonly shape: Shape };

function sampler(shape: Shape, draw: (rng: Rng) => Tensor): Sampler {
  return Object.assign(draw, { shape });
}

export const normal = (shape: Shape): Sampler => sampler(shape, (rng) => randn(shape, rng, { dtype: 'float64' }));

export const positive = (shape: Shape, low = 0.5, high = 2): Sampler =>
  sampler(shape, (rng) => uniform(shape, rng, { dtype: 'float64', low, high }));

/** |x| in [gap, 2], either sign: for ops with a kink at 0 (relu, abs). */
export const awayFromZero = (shape: Shape, gap = 0.2): Sampler =>
  sampler(shape, (rng) => {
    const t = uniform(shape, rng, { dtype: 'float64', low: gap, high: 2 });
    for (let i = 0; i < t.size; i++) if (rng.random() < 0.5) t.data[i] = -t.data[i];
    return t;
  });

/** A gradient check of fn on inputs drawn by the samplers; labelled by the input shapes unless a label is given. */
export function check(
  fn: (...inputs: Tensor[]) => Tensor,
  samplers: readonly Sampler[],
  label?: string,
  options?: GradcheckOptions,
): GradcheckCase {
  return {
    label: label ?? samplers.map((s) => formatShape(s.shape)).join(' ∘ '),
    setup: (rng) => ({ inputs: samplers.map((s) => s(rng)), fn }),
    options,
  };
}
