/**
 * The gpu.js kernels: one output element per GPU thread (`this.thread.x` indexes the flat output), reading the
 * flat inputs. Sizes are compile-time constants, so every loop bound is a constant — gpu.js silently cuts loops
 * whose bound is a kernel argument at `loopMaxIterations`. These functions are never called from TypeScript:
 * gpu.js reads their source and transpiles it to WGSL, GLSL, WebAssembly or JavaScript.
 *
 * Indices: gpu.js divides in floating point only, and WGSL lets a division be 2.5 ULP off, so `floor(i / n)` can
 * come out one too low on a real GPU. Every index is split with `quotient` (functions.ts), which corrects the
 * floating-point quotient by its remainder: exact for indices below 2²⁴, which the backend checks every size
 * against.
 */
/* eslint-disable @typescript-eslint/no-unused-vars */

/** ⌊x / n⌋ exactly, for integers 0 ≤ |x| < 2²⁴ and n ≥ 1: added to every kernel by gpujs.ts (see functions.ts). */
declare function quotient(x: number, n: number): number;
/** x − ⌊x / n⌋·n, exactly: the index within its row of n. */
declare function remainder(x: number, n: number): number;
/** One triplet's loss and slope (functions.ts). */
declare function tripletValue(t: number, margin: number, soft: number): number;
declare function tripletSlope(t: number, margin: number, soft: number): number;
/** What makes a loss's sum its mean (functions.ts). */
declare function meanScale(count: number, epsilon: number, floor: number): number;

export interface KernelThis {
  thread: { x: number };
  constants: Record<string, number>;
}

/** The values as they are: how an array is uploaded into a buffer of its own. */
export function copyKernel(this: KernelThis, a: Float32Array): number {
  return a[this.thread.x];
}

/** C[i,j] = Σ_p A[i·aRow + p·aCol]·B[p·bRow + j·bCol]: the strides encode the transposes. */
export function matmulKernel(this: KernelThis, a: Float32Array, b: Float32Array): number {
  const i = quotient(this.thread.x, this.constants.n);
  const j = this.thread.x - i * this.constants.n;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[i * this.constants.aRow + p * this.constants.aCol] * b[p * this.constants.bRow + j * this.constants.bCol];
  }
  return sum;
}

/**
 * y[n,oh,ow,f] = Σ_{kh,kw,c} x[n, oh·s + kh − pad, ow·s + kw − pad, c]·w[kh,kw,c,f], then the layer's epilogue:
 * + bias[f] when `hasBias`, max(·, 0) when `relu` (bias is any array without one).
 */
export function conv2dKernel(this: KernelThis, x: Float32Array, w: Float32Array, bias: Float32Array): number {
  let rest = this.thread.x;
  const f = remainder(rest, this.constants.outC);
  rest = quotient(rest, this.constants.outC);
  const ow = remainder(rest, this.constants.outW);
  rest = quotient(rest, this.constants.outW);
  const oh = remainder(rest, this.constants.outH);
  const n = quotient(rest, this.constants.outH);
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
  if (this.constants.hasBias === 1) sum += bias[f];
  if (this.constants.relu === 1 && !(sum > 0)) sum = 0;
  return sum;
}

/** dx[n,ih,iw,c] = Σ over the (oh, ow, kh, kw) that read it of dy[n,oh,ow,f]·w[kh,kw,c,f]. */
export function conv2dInputGradKernel(this: KernelThis, dy: Float32Array, w: Float32Array): number {
  let rest = this.thread.x;
  const c = remainder(rest, this.constants.inC);
  rest = quotient(rest, this.constants.inC);
  const iw = remainder(rest, this.constants.inW);
  rest = quotient(rest, this.constants.inW);
  const ih = remainder(rest, this.constants.inH);
  const n = quotient(rest, this.constants.inH);
  let sum = 0;
  for (let kh = 0; kh < this.constants.kH; kh++) {
    const th = ih + this.constants.padTop - kh; // = oh·strideH when this tap reads (ih, ·)
    const oh = quotient(th, this.constants.strideH);
    if (th >= 0 && oh * this.constants.strideH === th && oh < this.constants.outH) {
      for (let kw = 0; kw < this.constants.kW; kw++) {
        const tw = iw + this.constants.padLeft - kw;
        const ow = quotient(tw, this.constants.strideW);
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
  const f = remainder(rest, this.constants.outC);
  rest = quotient(rest, this.constants.outC);
  const c = remainder(rest, this.constants.inC);
  rest = quotient(rest, this.constants.inC);
  const kw = remainder(rest, this.constants.kW);
  const kh = quotient(rest, this.constants.kW);
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
  const c = remainder(rest, this.constants.inC);
  rest = quotient(rest, this.constants.inC);
  const ow = remainder(rest, this.constants.outW);
  rest = quotient(rest, this.constants.outW);
  const oh = remainder(rest, this.constants.outH);
  const n = quotient(rest, this.constants.outH);
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

/** y[i] = x[index[i]]: the values of a max-pool's winners. */
export function gatherKernel(this: KernelThis, x: Float32Array, index: Float32Array): number {
  return x[index[this.thread.x]];
}

/**
 * The adjoint of max-pooling, for the element of x this thread owns: the sum of ∂L/∂y over the windows it won
 * (one, for windows that do not overlap). With `relu` (a conv layer's pooled ReLU output y), a window passes its
 * gradient only where y > 0 — and 0, not NaN, elsewhere; y is any array without.
 */
export function poolGradKernel(this: KernelThis, dy: Float32Array, argmax: Float32Array, y: Float32Array): number {
  let rest = this.thread.x;
  const c = remainder(rest, this.constants.inC);
  rest = quotient(rest, this.constants.inC);
  const iw = remainder(rest, this.constants.inW);
  rest = quotient(rest, this.constants.inW);
  const ih = remainder(rest, this.constants.inH);
  const n = quotient(rest, this.constants.inH);
  let sum = 0;
  for (let kh = 0; kh < this.constants.kH; kh++) {
    const th = ih + this.constants.padTop - kh; // = oh·strideH when window row oh holds this element
    const oh = quotient(th, this.constants.strideH);
    if (th >= 0 && oh * this.constants.strideH === th && oh < this.constants.outH) {
      for (let kw = 0; kw < this.constants.kW; kw++) {
        const tw = iw + this.constants.padLeft - kw;
        const ow = quotient(tw, this.constants.strideW);
        if (tw >= 0 && ow * this.constants.strideW === tw && ow < this.constants.outW) {
          const window = ((n * this.constants.outH + oh) * this.constants.outW + ow) * this.constants.inC + c;
          if (argmax[window] === this.thread.x && (this.constants.relu === 0 || y[window] > 0)) sum += dy[window];
        }
      }
    }
  }
  return sum;
}

/** dz = dy where the ReLU's output y is > 0, else 0 (also where dy is NaN): the gradient through a ReLU. */
export function reluGradKernel(this: KernelThis, dy: Float32Array, y: Float32Array): number {
  let dz = 0;
  if (y[this.thread.x] > 0) dz = dy[this.thread.x];
  return dz;
}

/** s[c] = Σ_p dz[p·channels + c]: a bias's gradient, the sum over every pixel of every image. */
export function channelSumKernel(this: KernelThis, dz: Float32Array): number {
  let sum = 0;
  for (let p = 0; p < this.constants.pixels; p++) sum += dz[p * this.constants.channels + this.thread.x];
  return sum;
}

/** m ← β1·m + (1 − β1)·g: Adam's first moment (kernels/optim.ts has the whole update). */
export function adamMomentKernel(this: KernelThis, m: Float32Array, g: Float32Array): number {
  return this.constants.beta1 * m[this.thread.x] + (1 - this.constants.beta1) * g[this.thread.x];
}

/** v ← β2·v + (1 − β2)·g²: Adam's second moment. */
export function adamVarianceKernel(this: KernelThis, v: Float32Array, g: Float32Array): number {
  const gi = g[this.thread.x];
  return this.constants.beta2 * v[this.thread.x] + (1 - this.constants.beta2) * gi * gi;
}

/** θ ← θ − lr_t·m / (√v + ε), from the new moments; lr_t changes every step, so it is an argument. */
export function adamThetaKernel(
  this: KernelThis,
  theta: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lrT: number,
): number {
  return theta[this.thread.x] - (lrT * m[this.thread.x]) / (Math.sqrt(v[this.thread.x]) + this.constants.epsilon);
}

/**
 * 1 where every value of block [i·block, (i + 1)·block) is finite, else 0. `|v| ≤ max float` is false for NaN
 * (every comparison with it is) and for ±∞.
 */
export function finiteBlocksKernel(this: KernelThis, x: Float32Array): number {
  let finite = 1;
  for (let k = 0; k < this.constants.block; k++) {
    const i = this.thread.x * this.constants.block + k;
    if (i < this.constants.size && !(Math.abs(x[i]) <= 3.4028234663852886e38)) finite = 0;
  }
  return finite;
}

/**
 * The finite check's answer for many arrays, one array at a time: flags[i] = 1 when array i is finite. The call
 * for array `index` folds its blocks' flags into entry `index` and copies the others from the previous flags
 * (`first`: there are none yet, and they start at 1). One buffer of a flag per array comes home, whatever their number.
 */
export function finiteFlagKernel(this: KernelThis, flags: Float32Array, blocks: Float32Array): number {
  if (this.thread.x === this.constants.index) {
    let finite = 1;
    for (let b = 0; b < this.constants.blocks; b++) if (blocks[b] !== 1) finite = 0;
    return finite;
  }
  if (this.constants.first === 1) return 1;
  return flags[this.thread.x];
}

/** out[r, c] = v[r] on the main diagonal (r = c, below v's length), 0 elsewhere: a rows × cols matrix. */
export function diagMatrixKernel(this: KernelThis, v: Float32Array): number {
  const r = quotient(this.thread.x, this.constants.cols);
  const c = this.thread.x - r * this.constants.cols;
  if (r === c && r < this.constants.length) return v[r];
  return 0;
}

/**
 * Batch-all, anchor a's share (thread a·3 + k): Σ ℓ(D[a,p] − D[a,n]) over its valid triplets (k = 0), how many
 * have ℓ > 1e-16 (k = 1), how many there are (k = 2). Labels are float32 here: exact for |label| < 2²⁴.
 */
export function batchAllPartsKernel(this: KernelThis, d: Float32Array, labels: Float32Array): number {
  const b = this.constants.b;
  const a = quotient(this.thread.x, 3);
  const k = this.thread.x - a * 3;
  let total = 0;
  for (let p = 0; p < b; p++) {
    if (p !== a && labels[p] === labels[a]) {
      for (let n = 0; n < b; n++) {
        if (labels[n] !== labels[a]) {
          const value = tripletValue(d[a * b + p] - d[a * b + n], this.constants.margin, this.constants.soft);
          if (k === 0) total += value;
          if (k === 1 && value > 1e-16) total += 1;
          if (k === 2) total += 1;
        }
      }
    }
  }
  return total;
}

/** Column k of the anchors' parts [B, width], added up in anchor order (batch-all's and semi-hard's totals). */
export function anchorSumsKernel(this: KernelThis, parts: Float32Array): number {
  let total = 0;
  for (let a = 0; a < this.constants.b; a++) total += parts[a * this.constants.width + this.thread.x];
  return total;
}

/** A fused loss's summary from its totals [Σ ℓ, counts…]: the loss (the sum made a mean by the count), the counts. */
export function lossSummaryKernel(this: KernelThis, totals: Float32Array): number {
  if (this.thread.x === 0) return totals[0] * meanScale(totals[1], this.constants.epsilon, this.constants.floor);
  return totals[this.thread.x];
}

/**
 * ∂loss/∂D[a, j]: when j is a positive of a, +Σ over the negatives n of ℓ'(D[a,j] − D[a,n]); when j is a
 * negative, −Σ over the positives p of ℓ'(D[a,p] − D[a,j]); else (j = a) 0 — times the loss's mean scale.
 */
export function batchAllSlopeKernel(
  this: KernelThis,
  d: Float32Array,
  labels: Float32Array,
  totals: Float32Array,
): number {
  const b = this.constants.b;
  const a = quotient(this.thread.x, b);
  const j = this.thread.x - a * b;
  let slope = 0;
  if (j !== a && labels[j] === labels[a]) {
    for (let n = 0; n < b; n++) {
      if (labels[n] !== labels[a])
        slope += tripletSlope(d[a * b + j] - d[a * b + n], this.constants.margin, this.constants.soft);
    }
  }
  if (labels[j] !== labels[a]) {
    for (let p = 0; p < b; p++) {
      if (p !== a && labels[p] === labels[a])
        slope -= tripletSlope(d[a * b + p] - d[a * b + j], this.constants.margin, this.constants.soft);
    }
  }
  return slope * meanScale(totals[1], this.constants.epsilon, this.constants.floor);
}

/**
 * Packs arrays into one buffer, one array a call: x goes to [at, at + length), the rest comes from the buffer
 * so far (`first`: zeros), so that several small results come home in one readback.
 */
export function packKernel(this: KernelThis, previous: Float32Array, x: Float32Array): number {
  const i = this.thread.x;
  if (i >= this.constants.at && i < this.constants.at + this.constants.length) return x[i - this.constants.at];
  if (this.constants.first === 1) return 0;
  return previous[i];
}

/** The label masks [B,B]: `negative` 0 gives 1 where a ≠ p and label(a) = label(p); 1 gives label(a) ≠ label(n). */
export function labelMaskKernel(this: KernelThis, labels: Float32Array): number {
  const i = quotient(this.thread.x, this.constants.b);
  const j = this.thread.x - i * this.constants.b;
  if (this.constants.negative === 1) return labels[i] !== labels[j] ? 1 : 0;
  return i !== j && labels[i] === labels[j] ? 1 : 0;
}

/**
 * Semi-hard's choice for entry (a, j): when j is a positive of a, the negative n* of the pair — the closest n with
 * D[a,n] > D[a,j], else the farthest negative, the first in row order on a tie; −1 when a has no negative — and
 * −2 when (a, j) is not a pair. One search per pair, which the parts and slopes then read.
 */
export function semiHardChoiceKernel(this: KernelThis, d: Float32Array, labels: Float32Array): number {
  const b = this.constants.b;
  const a = quotient(this.thread.x, b);
  const j = this.thread.x - a * b;
  if (j === a || labels[j] !== labels[a]) return -2;
  const dap = d[a * b + j];
  let outside = -1;
  let farthest = -1;
  for (let n = 0; n < b; n++) {
    if (labels[n] !== labels[a]) {
      const dan = d[a * b + n];
      if (dan > dap && (outside < 0 || dan < d[a * b + outside])) outside = n;
      if (farthest < 0 || dan > d[a * b + farthest]) farthest = n;
    }
  }
  if (outside >= 0) return outside;
  return farthest;
}

/** Semi-hard, anchor a's share (thread a·2 + k): Σ ℓ(D[a,p] − D[a,n*]) over its pairs with a negative (k = 0), its pairs (k = 1). */
export function semiHardPartsKernel(this: KernelThis, d: Float32Array, choice: Float32Array): number {
  const b = this.constants.b;
  const a = quotient(this.thread.x, 2);
  const k = this.thread.x - a * 2;
  let total = 0;
  for (let p = 0; p < b; p++) {
    const n = choice[a * b + p];
    if (k === 1 && n > -2) total += 1;
    if (k === 0 && n >= 0)
      total += tripletValue(d[a * b + p] - d[a * b + n], this.constants.margin, this.constants.soft);
  }
  return total;
}

/** ∂loss/∂D[a, j]: +ℓ' of its own pair when j is a positive, −ℓ' of every pair of a whose n* is j, times the scale. */
export function semiHardSlopeKernel(
  this: KernelThis,
  d: Float32Array,
  choice: Float32Array,
  totals: Float32Array,
): number {
  const b = this.constants.b;
  const a = quotient(this.thread.x, b);
  const j = this.thread.x - a * b;
  let slope = 0;
  const own = choice[a * b + j];
  if (own >= 0) slope += tripletSlope(d[a * b + j] - d[a * b + own], this.constants.margin, this.constants.soft);
  for (let p = 0; p < b; p++) {
    if (choice[a * b + p] === j)
      slope -= tripletSlope(d[a * b + p] - d[a * b + j], this.constants.margin, this.constants.soft);
  }
  return slope * meanScale(totals[1], this.constants.epsilon, this.constants.floor);
}
