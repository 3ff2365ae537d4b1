import { DType, Rng, Shape, Tensor, uniform, ValueError, zeros } from '../autograd';

/**
 * Fan-in and fan-out as TensorFlow counts them: a dense kernel [in, out] has fans (in, out); a conv kernel
 * [kh, kw, in, out] has (kh·kw·in, kh·kw·out).
 */
export function fans(shape: Shape): [number, number] {
  if (shape.length < 2) throw new ValueError(`fans: a kernel has at least 2 axes, got [${shape.join(',')}]`);
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

/**
 * Glorot (Xavier) uniform, tf.layers' default kernel initialiser: U(−l, l) with l = √(6 / (fanIn + fanOut)),
 * which keeps the variance of activations and gradients about the same from layer to layer.
 */
export function glorotUniform(shape: Shape, rng: Rng, dtype: DType = 'float32'): Tensor {
  const [fanIn, fanOut] = fans(shape);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, rng, { low: -limit, high: limit, dtype, requiresGrad: true });
}

/** Zeros that require grad: tf.layers' default bias. */
export function zeroParameter(shape: Shape, dtype: DType = 'float32'): Tensor {
  return zeros(shape, { dtype, requiresGrad: true });
}
