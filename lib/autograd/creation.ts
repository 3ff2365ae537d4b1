import { DType, isDType } from '../tensor/dtype';
import { allocate } from '../tensor/arena';
import { DTypeError, ValueError } from '../tensor/errors';
import { fromValues, NestedArray } from '../tensor/ndarray';
import { Rng } from '../tensor/random';
import { checkShape, Shape, sizeOf } from '../tensor/shape';
import { Tensor } from './tensor';

export interface TensorOptions {
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** Make the tensor a leaf whose gradient `backward()` computes. */
  requiresGrad?: boolean;
}

/** The dtype an option names ('float32' when none), or a DTypeError naming the op. */
export function resolveDType(dtype: unknown, op: string): DType {
  if (dtype === undefined) return 'float32';
  if (!isDType(dtype)) throw new DTypeError(`${op}: unknown dtype '${String(dtype)}' (use 'float32' or 'float64')`);
  return dtype;
}

/**
 * A tensor from nested arrays (`[[1, 2], [3, 4]]`), a flat list with a shape, a typed array or a number.
 * The values are copied. A Float64Array gives float64 unless a dtype is named.
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape, options: TensorOptions = {}): Tensor {
  const inferred = values instanceof Float64Array ? 'float64' : undefined;
  const dtype = resolveDType(options.dtype ?? inferred, 'tensor');
  const array = fromValues(values, shape, dtype, 'tensor');
  return new Tensor(array.data, array.shape, options.requiresGrad ?? false);
}

export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape(shape, 'full');
  const data = allocate(resolveDType(options.dtype, 'full'), sizeOf(shape)).fill(value);
  return new Tensor(data, shape, options.requiresGrad ?? false);
}

export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...options });
}

export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...options });
}

/** A scalar (shape []). */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  return full([], value, options);
}

/** The n×m matrix with ones on its main diagonal. */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  const t = zeros([n, m], options);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

/** start, start + step, … up to (not including) stop; `arange(5)` is 0…4. */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (!Number.isFinite(from) || !Number.isFinite(to) || !Number.isFinite(step) || step === 0) {
    throw new ValueError(`arange: start, stop and step must be finite and step non-zero, got ${from}, ${to}, ${step}`);
  }
  const n = Math.max(0, Math.ceil((to - from) / step));
  const t = zeros([n], options);
  for (let i = 0; i < n; i++) t.data[i] = from + i * step;
  return t;
}

function checkRng(rng: unknown, op: string): asserts rng is Rng {
  if (!(rng instanceof Rng))
    throw new ValueError(`${op}: pass a seeded Rng (new Rng(seed)); Math.random is never used`);
}

/** Normally distributed values (mean 0, std 1 unless given) from a seeded generator. */
export function randn(shape: Shape, rng: Rng, options: TensorOptions & { mean?: number; std?: number } = {}): Tensor {
  checkRng(rng, 'randn');
  const t = zeros(shape, options);
  rng.fillNormal(t.data, options.mean ?? 0, options.std ?? 1);
  return t;
}

/** Uniform values in [low, high) (default [0, 1)) from a seeded generator. */
export function uniform(shape: Shape, rng: Rng, options: TensorOptions & { low?: number; high?: number } = {}): Tensor {
  checkRng(rng, 'uniform');
  const t = zeros(shape, options);
  rng.fillUniform(t.data, options.low ?? 0, options.high ?? 1);
  return t;
}
