import { getBackend } from '../../tensor/backend';
import { ShapeError } from '../../tensor/errors';
import { checkSameDType } from '../../tensor/kernels/elementwise';
import { Padding, windowGeometry } from '../../tensor/kernels/conv';
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
}

/**
 * 2-D convolution (cross-correlation, as every framework computes it) of NHWC images x [N,H,W,C] with HWIO
 * filters w [kh,kw,C,F], giving [N,H',W',F]:  y[n,i,j,f] = Σ_{a,b,c} x[n, i·s + a − pad, j·s + b − pad, c]·w[a,b,c,f].
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  if (w.rank !== 4) throw new ShapeError(`conv2d: filter must be HWIO [kh,kw,inC,outC], got ${formatShape(w.shape)}`);
  checkSameDType('conv2d', x, w);
  const [kh, kw, inC, outC] = w.shape;
  const g = windowGeometry(x.shape, { kernel: [kh, kw], stride: options.stride ?? 1, padding: options.padding ?? 'same' }, outC, 'conv2d');
  if (g.inC !== inC) {
    throw new ShapeError(`conv2d: input has ${g.inC} channels but the filter expects ${inC}: ${formatShape(x.shape)} ⋆ ${formatShape(w.shape)}`);
  }
  const backend = getBackend();
  // ∂L/∂x and ∂L/∂w: the same sum over taps as the forward pass, read the other way round (see kernels/conv);
  // each only when asked for (the images fed to the first layer need none)
  return record('conv2d', [x, w], backend.conv2d(x, w, g), (dy) => [
    x.requiresGrad ? fromNDArray(backend.conv2dInputGrad(dy, w, g)) : null,
    w.requiresGrad ? fromNDArray(backend.conv2dFilterGrad(x, dy, g)) : null,
  ]);
}

registerOp('conv2d', {
  cases: [
    check((x, w) => conv2d(x, w), [normal([2, 5, 5, 2]), normal([3, 3, 2, 3])], '[2,5,5,2] ⋆ [3,3,2,3] same'),
    check((x, w) => conv2d(x, w, { padding: 'valid', stride: 2 }), [normal([1, 7, 6, 2]), normal([3, 3, 2, 2])], '[1,7,6,2] ⋆ [3,3,2,2] valid stride 2'),
    check((x, w) => conv2d(x, w, { stride: [2, 1] }), [normal([1, 6, 5, 1]), normal([2, 3, 1, 2])], '[1,6,5,1] ⋆ [2,3,1,2] same stride [2,1]'),
  ],
});
