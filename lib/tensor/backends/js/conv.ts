import { TypedArray } from '../../dtype';
import { ConvGeometry, forEachWindowTap } from '../../kernels/conv';
import { copyRun, matrixPackers, Packers } from './gemm';

/**
 * Convolution as matrix products over the patch matrix P (one row per output pixel p = (n·outH + oh)·outW + ow,
 * one column per patch element q = (kh·kW + kw)·inC + c):
 *   forward      Y[p, f]  = Σ_q P[p, q]·W[q, f]
 *   input grad   dP[p, q] = Σ_f dY[p, f]·W[q, f], then each dP entry is added back to the x it was read from
 *   filter grad  dW[q, f] = Σ_p P[p, q]·dY[p, f]
 * P is never stored: the packers below read its entries straight from x (0 in the padding).
 */

/** Decomposes an output pixel index into (n, oh, ow). */
function pixel(g: ConvGeometry, p: number): [number, number, number] {
  const ow = p % g.outW;
  const rest = (p - ow) / g.outW;
  const oh = rest % g.outH;
  return [(rest - oh) / g.outH, oh, ow];
}

/** Decomposes a patch index into (kh, kw, c). */
function patch(g: ConvGeometry, q: number): [number, number, number] {
  const c = q % g.inC;
  const rest = (q - c) / g.inC;
  const kw = rest % g.kW;
  return [(rest - kw) / g.kW, kw, c];
}

/** Y rows [pixelBase, pixelBase + rows) = P·W: A is P (gathered from x), B is W viewed as [kH·kW·inC, outC]. */
export function forwardPackers(
  x: TypedArray,
  xo: number,
  w: TypedArray,
  wo: number,
  g: ConvGeometry,
  pixelBase: number,
  rows: number,
): Packers {
  const patchSize = g.kH * g.kW * g.inC;
  const weights = matrixPackers(w, wo, false, patchSize, w, wo, false, g.outC, patchSize);
  const { inH, inW, inC, kW } = g;
  return {
    packA(i0, k0, kc, out, at, rowStride, kStride) {
      for (let r = 0; r < 4; r++) {
        if (i0 + r >= rows) {
          for (let k = 0; k < kc; k++) out[at + r * rowStride + k * kStride] = 0;
          continue;
        }
        // (hot: plain arithmetic here, no tuples) the pixel (n, oh, ow) of this row, the patch entry (kh, kw, c) of k0
        const p = pixelBase + i0 + r;
        const ow = p % g.outW;
        const oh = ((p - ow) / g.outW) % g.outH;
        const image = xo + (((p - ow) / g.outW - oh) / g.outH) * inH * inW * inC;
        const ih0 = oh * g.strideH - g.padTop;
        const iw0 = ow * g.strideW - g.padLeft;
        if (inC === 1 && k0 === 0 && kc === patchSize && ih0 >= 0 && ih0 + g.kH <= inH && iw0 >= 0 && iw0 + kW <= inW) {
          // one channel, a window inside the image (most pixels of the first layer): a plain 2-D copy
          for (let kh = 0, k = at + r * rowStride; kh < g.kH; kh++) {
            const from = image + (ih0 + kh) * inW + iw0;
            for (let kw = 0; kw < kW; kw++, k += kStride) out[k] = x[from + kw];
          }
          continue;
        }
        let c = k0 % inC;
        let kw = ((k0 - c) / inC) % kW;
        let kh = ((k0 - c) / inC - kw) / kW;
        // In NHWC a patch is a run of channels per window position: copy (or zero) one run at a time.
        for (let k = 0; k < kc;) {
          const run = Math.min(inC - c, kc - k);
          const ih = ih0 + kh;
          const iw = iw0 + kw;
          const to = at + r * rowStride + k * kStride;
          if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) {
            const from = image + (ih * inW + iw) * inC + c;
            // a copy pays off on long runs; one channel (the first layer) makes runs of one value
            if (kStride === 1) copyRun(x, from, out, to, run);
            else for (let j = 0; j < run; j++) out[to + j * kStride] = x[from + j];
          } else if (kStride === 1 && run >= 16) {
            out.fill(0, to, to + run);
          } else {
            for (let j = 0; j < run; j++) out[to + j * kStride] = 0;
          }
          k += run;
          c = 0;
          if (++kw === kW) {
            kw = 0;
            kh++;
          }
        }
      }
    },
    packB: weights.packB,
  };
}

/** dW (partial, over pixels [pixelBase, pixelBase + pixels)) = Pᵀ·dY: A is Pᵀ (rows q, gathered from x), B is dY. */
export function filterGradPackers(
  x: TypedArray,
  xo: number,
  dy: TypedArray,
  dyo: number,
  g: ConvGeometry,
  pixelBase: number,
): Packers {
  const patchSize = g.kH * g.kW * g.inC;
  const { inH, inW, inC, outW } = g;
  return {
    packA(i0, k0, kc, out, at, rowStride, kStride) {
      for (let r = 0; r < 4; r++) {
        if (i0 + r >= patchSize) {
          for (let k = 0; k < kc; k++) out[at + r * rowStride + k * kStride] = 0;
          continue;
        }
        const [kh, kw, c] = patch(g, i0 + r);
        // the pixels k0 … k0 + kc, a run along one output row (n, oh) at a time: one input row, or padding
        for (let k = 0, p = pixelBase + k0; k < kc;) {
          const [n, oh, ow0] = pixel(g, p);
          const run = Math.min(outW - ow0, kc - k);
          const ih = oh * g.strideH - g.padTop + kh;
          let to = at + r * rowStride + k * kStride;
          if (ih < 0 || ih >= inH) {
            for (let j = 0; j < run; j++, to += kStride) out[to] = 0;
          } else {
            const rowStart = xo + (n * inH + ih) * inW * inC + c;
            for (let j = 0, iw = ow0 * g.strideW - g.padLeft + kw; j < run; j++, iw += g.strideW, to += kStride) {
              out[to] = iw >= 0 && iw < inW ? x[rowStart + iw * inC] : 0;
            }
          }
          k += run;
          p += run;
        }
      }
    },
    packB(k0, kc, j0, out, at, nr) {
      for (let col = 0; col < nr; col++) {
        const f = j0 + col;
        for (let k = 0; k < kc; k++)
          out[at + k * nr + col] = f < g.outC ? dy[dyo + (pixelBase + k0 + k) * g.outC + f] : 0;
      }
    },
  };
}

/** dP rows [pixelBase, pixelBase + rows) = dY·Wᵀ: A is dY, B is Wᵀ (W stored [q, f]). */
export function inputGradPackers(
  dy: TypedArray,
  dyo: number,
  w: TypedArray,
  wo: number,
  g: ConvGeometry,
  pixelBase: number,
  rows: number,
): Packers {
  const patchSize = g.kH * g.kW * g.inC;
  return matrixPackers(dy, dyo + pixelBase * g.outC, false, rows, w, wo, true, patchSize, g.outC);
}

/** Adds each dP entry to the element of dx it was read from (the adjoint of the gather in forwardPackers). */
export function col2im(
  dp: Float32Array | Float64Array,
  rows: number,
  pixelBase: number,
  dx: TypedArray,
  dxo: number,
  g: ConvGeometry,
): void {
  const patchSize = g.kH * g.kW * g.inC;
  for (let r = 0; r < rows; r++) {
    const [n, oh, ow] = pixel(g, pixelBase + r);
    forEachWindowTap(g, n, oh, ow, (source, tap) => {
      const [at, q] = [dxo + source * g.inC, r * patchSize + tap * g.inC];
      for (let c = 0; c < g.inC; c++) dx[at + c] += dp[q + c];
    });
  }
}
