import { TypedArray } from '../../dtype';
import { ConvGeometry, forEachWindowTap } from '../../kernels/conv';

/**
 * Max-pooling of images [n0, n1) with the channels innermost: in NHWC a window position holds its C channels side
 * by side, so each (kh, kw) step is one contiguous sweep over C. Same rule as the reference: the first maximal
 * element in window order wins (strictly greater replaces), padding never does. `argmax` receives indices into
 * x (counted from x's first element).
 */
export function maxPoolImages(
  x: TypedArray,
  xo: number,
  y: TypedArray,
  yo: number,
  argmax: Int32Array,
  ao: number,
  g: ConvGeometry,
  n0: number,
  n1: number,
): void {
  const C = g.inC;
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const out = ((n * g.outH + oh) * g.outW + ow) * C;
        let first = true;
        forEachWindowTap(g, n, oh, ow, (pixel) => {
          const at = pixel * C;
          for (let c = 0; c < C; c++) {
            const v = x[xo + at + c];
            if (first || v > y[yo + out + c]) {
              y[yo + out + c] = v;
              argmax[ao + out + c] = at + c;
            }
          }
          first = false;
        });
      }
    }
  }
}
