import { ConvGeometry } from '../../kernels/conv';
import { PoolResult } from '../../kernels/pool';
import { emptyLike, NDArray } from '../../ndarray';

/**
 * Max-pooling with the channels innermost: in NHWC a window position holds its C channels side by side, so each
 * (kh, kw) step is one contiguous sweep over C. Same rule as the reference: the first maximal element in window
 * order wins (strictly greater replaces), padding never does.
 */
export function maxPool2dJs(x: NDArray, g: ConvGeometry): PoolResult {
  const y = emptyLike(x.dtype, [g.batch, g.outH, g.outW, g.inC]);
  const argmax = new Int32Array(y.data.length);
  const [xs, ys, C] = [x.data, y.data, g.inC];
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const yBase = ((n * g.outH + oh) * g.outW + ow) * C;
        let first = true;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH + kh - g.padTop;
          if (ih < 0 || ih >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW + kw - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            const xBase = ((n * g.inH + ih) * g.inW + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = xs[xBase + c];
              if (first || v > ys[yBase + c]) {
                ys[yBase + c] = v;
                argmax[yBase + c] = xBase + c;
              }
            }
            first = false;
          }
        }
      }
    }
  }
  return { y, argmax };
}
