/**
 * The gpu.js kernels: one output element per GPU thread (`this.thread.x` indexes the flat output), reading the
 * flat inputs. Sizes are compile-time constants, so every loop bound is a constant — gpu.js silently cuts loops
 * whose bound is a kernel argument at `loopMaxIterations`. Indices are decomposed with Math.floor (exact in
 * float32 below 2²⁴). These functions are never called from TypeScript: gpu.js reads their source and
 * transpiles it to WGSL, GLSL, WebAssembly or JavaScript.
 */
/* eslint-disable @typescript-eslint/no-unused-vars */

export interface KernelThis {
  thread: { x: number };
  constants: Record<string, number>;
}

/** C[i,j] = Σ_p A[i·aRow + p·aCol]·B[p·bRow + j·bCol]: the strides encode the transposes. */
export function matmulKernel(this: KernelThis, a: Float32Array, b: Float32Array): number {
  const i = Math.floor(this.thread.x / this.constants.n);
  const j = this.thread.x - i * this.constants.n;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[i * this.constants.aRow + p * this.constants.aCol] * b[p * this.constants.bRow + j * this.constants.bCol];
  }
  return sum;
}

/** y[n,oh,ow,f] = Σ_{kh,kw,c} x[n, oh·s + kh − pad, ow·s + kw − pad, c]·w[kh,kw,c,f]. */
export function conv2dKernel(this: KernelThis, x: Float32Array, w: Float32Array): number {
  let rest = this.thread.x;
  const f = rest - Math.floor(rest / this.constants.outC) * this.constants.outC;
  rest = Math.floor(rest / this.constants.outC);
  const ow = rest - Math.floor(rest / this.constants.outW) * this.constants.outW;
  rest = Math.floor(rest / this.constants.outW);
  const oh = rest - Math.floor(rest / this.constants.outH) * this.constants.outH;
  const n = Math.floor(rest / this.constants.outH);
  let sum = 0;
  for (let kh = 0; kh < this.constants.kH; kh++) {
    const ih = oh * this.constants.strideH + kh - this.constants.padTop;
    if (ih >= 0 && ih < this.constants.inH) {
      for (let kw = 0; kw < this.constants.kW; kw++) {
        const iw = ow * this.constants.strideW + kw - this.constants.padLeft;
        if (iw >= 0 && iw < this.constants.inW) {
          for (let c = 0; c < this.constants.inC; c++) {
            sum +=
              x[((n * this.constants.inH + ih) * this.constants.inW + iw) * this.constants.inC + c] *
              w[((kh * this.constants.kW + kw) * this.constants.inC + c) * this.constants.outC + f];
          }
        }
      }
    }
  }
  return sum;
}

/** dx[n,ih,iw,c] = Σ over the (oh, ow, kh, kw) that read it of dy[n,oh,ow,f]·w[kh,kw,c,f]. */
export function conv2dInputGradKernel(this: KernelThis, dy: Float32Array, w: Float32Array): number {
  let rest = this.thread.x;
  const c = rest - Math.floor(rest / this.constants.inC) * this.constants.inC;
  rest = Math.floor(rest / this.constants.inC);
  const iw = rest - Math.floor(rest / this.constants.inW) * this.constants.inW;
  rest = Math.floor(rest / this.constants.inW);
  const ih = rest - Math.floor(rest / this.constants.inH) * this.constants.inH;
  const n = Math.floor(rest / this.constants.inH);
  let sum = 0;
  for (let kh = 0; kh < this.constants.kH; kh++) {
    const th = ih + this.constants.padTop - kh; // = oh·strideH when this tap reads (ih, ·)
    const oh = Math.floor(th / this.constants.strideH);
    if (th >= 0 && oh * this.constants.strideH === th && oh < this.constants.outH) {
      for (let kw = 0; kw < this.constants.kW; kw++) {
        const tw = iw + this.constants.padLeft - kw;
        const ow = Math.floor(tw / this.constants.strideW);
        if (tw >= 0 && ow * this.constants.strideW === tw && ow < this.constants.outW) {
          for (let f = 0; f < this.constants.outC; f++) {
            sum +=
              dy[((n * this.constants.outH + oh) * this.constants.outW + ow) * this.constants.outC + f] *
              w[((kh * this.constants.kW + kw) * this.constants.inC + c) * this.constants.outC + f];
          }
        }
      }
    }
  }
  return sum;
}

/** dw[kh,kw,c,f] = Σ_{n,oh,ow} x[n, oh·s + kh − pad, ow·s + kw − pad, c]·dy[n,oh,ow,f]. */
export function conv2dFilterGradKernel(this: KernelThis, x: Float32Array, dy: Float32Array): number {
  let rest = this.thread.x;
  const f = rest - Math.floor(rest / this.constants.outC) * this.constants.outC;
  rest = Math.floor(rest / this.constants.outC);
  const c = rest - Math.floor(rest / this.constants.inC) * this.constants.inC;
  rest = Math.floor(rest / this.constants.inC);
  const kw = rest - Math.floor(rest / this.constants.kW) * this.constants.kW;
  const kh = Math.floor(rest / this.constants.kW);
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    for (let oh = 0; oh < this.constants.outH; oh++) {
      const ih = oh * this.constants.strideH + kh - this.constants.padTop;
      if (ih >= 0 && ih < this.constants.inH) {
        for (let ow = 0; ow < this.constants.outW; ow++) {
          const iw = ow * this.constants.strideW + kw - this.constants.padLeft;
          if (iw >= 0 && iw < this.constants.inW) {
            sum +=
              x[((n * this.constants.inH + ih) * this.constants.inW + iw) * this.constants.inC + c] *
              dy[((n * this.constants.outH + oh) * this.constants.outW + ow) * this.constants.outC + f];
          }
        }
      }
    }
  }
  return sum;
}

/** The flat index in x of the largest element of each window (the first one on a tie); padding never wins. */
export function maxPoolArgmaxKernel(this: KernelThis, x: Float32Array): number {
  let rest = this.thread.x;
  const c = rest - Math.floor(rest / this.constants.inC) * this.constants.inC;
  rest = Math.floor(rest / this.constants.inC);
  const ow = rest - Math.floor(rest / this.constants.outW) * this.constants.outW;
  rest = Math.floor(rest / this.constants.outW);
  const oh = rest - Math.floor(rest / this.constants.outH) * this.constants.outH;
  const n = Math.floor(rest / this.constants.outH);
  let best = 0;
  let bestIndex = -1;
  for (let kh = 0; kh < this.constants.kH; kh++) {
    const ih = oh * this.constants.strideH + kh - this.constants.padTop;
    if (ih >= 0 && ih < this.constants.inH) {
      for (let kw = 0; kw < this.constants.kW; kw++) {
        const iw = ow * this.constants.strideW + kw - this.constants.padLeft;
        if (iw >= 0 && iw < this.constants.inW) {
          const index = ((n * this.constants.inH + ih) * this.constants.inW + iw) * this.constants.inC + c;
          const v = x[index];
          if (bestIndex < 0 || v > best) {
            best = v;
            bestIndex = index;
          }
        }
      }
    }
  }
  return bestIndex;
}
