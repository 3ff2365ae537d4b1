import { getBackend } from '../../tensor/backend';
import { ConvGeometry, Padding, windowGeometry } from '../../tensor/kernels/conv';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { fromNDArray, Tensor } from '../tensor';

export interface MaxPool2dOptions {
  /** Window size, default 2. */
  size?: number | readonly [number, number];
  /** Default: the window size (non-overlapping windows). */
  stride?: number | readonly [number, number];
  /** 'valid' (default, as tf.layers.max_pooling2d) or 'same'. */
  padding?: Padding;
}

/** The windows of a max-pooling of images of `shape` (NHWC). */
export function poolGeometry(shape: readonly number[], options: MaxPool2dOptions): ConvGeometry {
  const size = options.size ?? 2;
  return windowGeometry(
    shape,
    { kernel: size, stride: options.stride ?? size, padding: options.padding ?? 'valid' },
    shape[3],
    'maxPool2d',
  );
}

/** The largest value of each window of NHWC images, per channel. */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions = {}): Tensor {
  const g = poolGeometry(x.shape, options);
  const backend = getBackend();
  const { y, argmax } = backend.maxPool2d(x, g);
  // ∂max/∂xᵢ = 1 for the element that won the window (the first one on a tie), 0 for the others
  return record('maxPool2d', [x], y, (dy) => [fromNDArray(backend.maxPool2dGrad(dy, argmax, g))]);
}

registerOp('maxPool2d', {
  kink: { at: 'ties in a window', gradient: 'all to the first element in row-major window order' },
  cases: [
    check((x) => maxPool2d(x), [normal([2, 4, 6, 3])], '[2,4,6,3] 2×2'),
    check(
      (x) => maxPool2d(x, { size: 3, stride: 2, padding: 'same' }),
      [normal([1, 5, 5, 2])],
      '[1,5,5,2] 3×3 stride 2 same',
    ),
  ],
});
