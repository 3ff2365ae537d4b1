import { ConvGeometry } from '../../kernels/conv';
import { Kernels } from './wasm/module';

/**
 * A conv layer's 2×2 max-pool (stride 2, 'valid') fused into its kernels. Forward: each image's conv output goes
 * to the thread's scratch and is pooled from there, so the full-size output never reaches memory. Backward: the
 * pooled gradient goes straight to the winners in the zero-padded grid the convolution's gradient reads — no
 * full-size gradient, no separate ReLU mask.
 */

/** Byte offsets of a fused pooling's outputs (forward) or inputs (backward); pooled 0: none. */
export interface Pooling {
  /** The pooled values [N, ⌊H/2⌋, ⌊W/2⌋, C]. */
  pooled: number;
  /** Each pooled value's winner, an index into the (unpooled) conv output. */
  argmax: number;
}

/** Pooled values per image. */
export function pooledPerImage(g: ConvGeometry): number {
  return Math.floor(g.outH / 2) * Math.floor(g.outW / 2) * g.outC;
}

/** Pools image `image` of the conv output, held at `y` (one image), into its place in p. */
export function poolImage(k: Kernels, g: ConvGeometry, y: number, image: number, p: Pooling): void {
  const at = 4 * image * pooledPerImage(g);
  k.maxpool2(
    y,
    p.pooled + at,
    p.argmax + at,
    0,
    1,
    g.outH,
    g.outW,
    g.outC,
    Math.floor(g.outH / 2),
    Math.floor(g.outW / 2),
    image * g.outH * g.outW * g.outC,
  );
}

/**
 * Image `image`'s gradient back through the pooling (and the ReLU, with `relu`) into a zero-padded grid of
 * `gridBytes`, `cols` wide, the conv output at (top, left); the values added into `sums` (the bias gradient; 0: none).
 */
export function unpoolImage(
  k: Kernels,
  g: ConvGeometry,
  dy: number,
  p: Pooling,
  relu: number,
  image: number,
  grid: { at: number; bytes: number; cols: number; top: number; left: number },
  sums: number,
): void {
  const at = 4 * image * pooledPerImage(g);
  const [pH, pW] = [Math.floor(g.outH / 2), Math.floor(g.outW / 2)];
  k.unpool(
    dy + at,
    p.argmax + at,
    p.pooled + at,
    pH,
    pW,
    image * g.outH * g.outW * g.outC,
    relu,
    grid.at,
    grid.bytes,
    grid.cols,
    g.outC,
    grid.top,
    grid.left,
    g.outW,
    sums,
  );
}
