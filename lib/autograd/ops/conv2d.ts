import { getBackend } from '../../tensor/backend';
import { ShapeError } from '../../tensor/errors';
import { checkSameDType } from '../../tensor/kernels/elementwise';
import { Padding, windowGeometry } from '../../tensor/kernels/conv';
import { MaxPool2dOptions, poolGeometry } from './max-pool2d';
import { NDArray } from '../../tensor/ndarray';
import { formatShape } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { fromNDArray, Tensor } from '../tensor';

export interface Conv2dOptions {
  /** Step between windows, one for both axes or [vertical, horizontal]. Default 1. */
  stride?: number | readonly [number, number];
  /** 'same' (default): output ⌈in/stride⌉, zero-padded as TensorFlow; 'valid': no padding. */
  padding?: Padding;
  /** Added per output channel, in the same pass as the convolution (fused, as TF.js's fused.conv2d). */
  bias?: Tensor;
  /** 'relu' applies max(·, 0) in that same pass. */
  activation?: 'linear' | 'relu';
  /**
   * Max-pools the result too (a conv layer's usual ending): the output is the pooled one, computed in the same
   * pass where the backend can (the full-size output is then never stored).
   */
  pool?: MaxPool2dOptions;
}

/**
 * 2-D convolution (cross-correlation, as every framework computes it) of NHWC images x [N,H,W,C] with HWIO
 * filters w [kh,kw,C,F], giving [N,H',W',F]:  y[n,i,j,f] = Σ_{a,b,c} x[n, i·s + a − pad, j·s + b − pad, c]·w[a,b,c,f]
 * — then, if asked, + bias[f] and ReLU, fused: a conv layer's output is produced in one pass instead of three.
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  if (w.rank !== 4) throw new ShapeError(`conv2d: filter must be HWIO [kh,kw,inC,outC], got ${formatShape(w.shape)}`);
  checkSameDType('conv2d', x, w);
  const [kh, kw, inC, outC] = w.shape;
  const g = windowGeometry(
    x.shape,
    { kernel: [kh, kw], stride: options.stride ?? 1, padding: options.padding ?? 'same' },
    outC,
    'conv2d',
  );
  if (g.inC !== inC) {
    throw new ShapeError(
      `conv2d: input has ${g.inC} channels but the filter expects ${inC}: ${formatShape(x.shape)} ⋆ ${formatShape(w.shape)}`,
    );
  }
  const { bias, activation = 'linear' } = options;
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== outC || bias.dtype !== x.dtype)) {
    throw new ShapeError(
      `conv2d: bias must be a ${x.dtype} vector of ${outC} values, got ${bias.dtype} ${formatShape(bias.shape)}`,
    );
  }
  const relu = activation === 'relu';
  const backend = getBackend();
  const epilogue = bias || relu ? { bias: bias ?? null, relu } : undefined;
  const inputs = bias ? [x, w, bias] : [x, w];
  const tensor = (t: NDArray | null): Tensor | null => (t ? fromNDArray(t) : null);
  const asked = { input: x.requiresGrad, filter: w.requiresGrad, bias: bias?.requiresGrad ?? false };
  if (options.pool) {
    // ∂L/∂(pooled) goes to each window's winner — if it passed the ReLU — then back through the convolution
    const pool = poolGeometry([g.batch, g.outH, g.outW, g.outC], options.pool);
    const { y, argmax } = backend.conv2dPool(x, w, g, epilogue, pool);
    return record('conv2d', inputs, y, (dy, pooled) => {
      const grads = backend.conv2dBackward({
        x,
        w,
        dy,
        g,
        relu: null,
        pooled: { y: pooled, argmax, g: pool, relu },
        ...asked,
      });
      return [tensor(grads.dx), tensor(grads.dw), ...(bias ? [tensor(grads.db)] : [])];
    });
  }
  return record('conv2d', bias ? [x, w, bias] : [x, w], backend.conv2d(x, w, g, epilogue), (dy, y) => {
    // back through the epilogue, in one call: the ReLU passes dz = dy where its output is positive; ∂L/∂x and
    // ∂L/∂w are the same sum over taps as the forward pass, read the other way round (see kernels/conv); the
    // bias gets dz summed over N, H, W. Each only when asked for (the images fed to the first layer need none).
    const grads = backend.conv2dBackward({ x, w, dy, g, relu: relu ? y : null, ...asked });
    return [tensor(grads.dx), tensor(grads.dw), ...(bias ? [tensor(grads.db)] : [])];
  });
}

registerOp('conv2d', {
  cases: [
    check((x, w) => conv2d(x, w), [normal([2, 5, 5, 2]), normal([3, 3, 2, 3])], '[2,5,5,2] ⋆ [3,3,2,3] same'),
    check(
      (x, w) => conv2d(x, w, { padding: 'valid', stride: 2 }),
      [normal([1, 7, 6, 2]), normal([3, 3, 2, 2])],
      '[1,7,6,2] ⋆ [3,3,2,2] valid stride 2',
    ),
    check(
      (x, w) => conv2d(x, w, { stride: [2, 1] }),
      [normal([1, 6, 5, 1]), normal([2, 3, 1, 2])],
      '[1,6,5,1] ⋆ [2,3,1,2] same stride [2,1]',
    ),
    check(
      (x, w, b) => conv2d(x, w, { bias: b, activation: 'relu' }),
      [normal([2, 4, 4, 2]), normal([3, 3, 2, 3]), normal([3])],
      '[2,4,4,2] ⋆ [3,3,2,3] + bias, relu',
    ),
    check(
      (x, w, b) => conv2d(x, w, { bias: b, activation: 'relu', pool: { size: 2 } }),
      [normal([2, 5, 6, 2]), normal([3, 3, 2, 3]), normal([3])],
      '[2,5,6,2] ⋆ [3,3,2,3] + bias, relu, max-pool 2×2',
    ),
  ],
});
