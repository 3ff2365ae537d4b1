import { ShapeError, ValueError } from '../errors';
import { emptyLike, NDArray, ndarray } from '../ndarray';
import { formatShape, Shape } from '../shape';

/**
 * Layout: NHWC images [batch, height, width, channels] and HWIO filters [kh, kw, inC, outC], as TensorFlow.
 * Why NHWC: the channels of one pixel are contiguous, so a 3×3 patch is 3 runs of 3·C numbers — im2col and the
 * inner loops stream through memory; it is also the original project's layout, so weights port without transposes,
 * and a per-channel bias [C] broadcasts against [N,H,W,C] with no reshaping.
 */
export type Padding = 'same' | 'valid';

export interface Window {
  kernel: number | readonly [number, number];
  stride: number | readonly [number, number];
  padding: Padding;
}

/** The sizes of a ConvGeometry, listed once (kernels pass them as job parameters, caches key on them). */
export const GEOMETRY_FIELDS = [
  'batch',
  'inH',
  'inW',
  'inC',
  'kH',
  'kW',
  'outH',
  'outW',
  'outC',
  'strideH',
  'strideW',
  'padTop',
  'padLeft',
] as const;

/** Every size a convolution or pooling loop needs, worked out once. */
export type ConvGeometry = Record<(typeof GEOMETRY_FIELDS)[number], number>;

/** The geometry's sizes as one string: equal for equal geometries. */
export function geometryKey(g: ConvGeometry): string {
  return GEOMETRY_FIELDS.map((field) => g[field]).join(' ');
}

function pair(value: number | readonly [number, number], name: string, op: string): [number, number] {
  const [a, b] = typeof value === 'number' ? [value, value] : value;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1) {
    throw new ValueError(`${op}: ${name} must be a positive integer or a pair of them, got ${String(value)}`);
  }
  return [a, b];
}

/**
 * TensorFlow's padding rules. 'valid': no padding, out = ⌊(in − k) / s⌋ + 1. 'same': out = ⌈in / s⌉, padded with
 * max((out − 1)·s + k − in, 0) zeros of which the smaller half goes on top/left.
 */
function outputSize(size: number, k: number, stride: number, padding: Padding): { out: number; padBefore: number } {
  if (padding === 'valid') return { out: size >= k ? Math.floor((size - k) / stride) + 1 : 0, padBefore: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

export function windowGeometry(inputShape: Shape, window: Window, outC: number, op: string): ConvGeometry {
  if (inputShape.length !== 4) {
    throw new ShapeError(`${op}: input must be NHWC [batch,height,width,channels], got ${formatShape(inputShape)}`);
  }
  if (window.padding !== 'same' && window.padding !== 'valid') {
    throw new ValueError(`${op}: padding must be 'same' or 'valid', got ${String(window.padding)}`);
  }
  const [batch, inH, inW, inC] = inputShape;
  const [kH, kW] = pair(window.kernel, 'kernel size', op);
  const [strideH, strideW] = pair(window.stride, 'stride', op);
  const h = outputSize(inH, kH, strideH, window.padding);
  const w = outputSize(inW, kW, strideW, window.padding);
  if (h.out === 0 || w.out === 0) {
    throw new ShapeError(
      `${op}: a ${kH}×${kW} window does not fit input ${formatShape(inputShape)} with 'valid' padding`,
    );
  }
  return {
    batch,
    inH,
    inW,
    inC,
    kH,
    kW,
    outH: h.out,
    outW: w.out,
    outC,
    strideH,
    strideW,
    padTop: h.padBefore,
    padLeft: w.padBefore,
  };
}

/**
 * Calls `visit(pixel, tap)` for each window position of output pixel (n, oh, ow) that lies inside the input, row
 * by row (the order max-pooling's ties are broken in): pixel = (n·inH + ih)·inW + iw is the input pixel (times
 * inC: its first channel), tap = kh·kW + kw the position in the window. Positions in the padding are skipped.
 */
export function forEachWindowTap(
  g: ConvGeometry,
  n: number,
  oh: number,
  ow: number,
  visit: (pixel: number, tap: number) => void,
): void {
  for (let kh = 0; kh < g.kH; kh++) {
    const ih = oh * g.strideH + kh - g.padTop;
    if (ih < 0 || ih >= g.inH) continue;
    for (let kw = 0; kw < g.kW; kw++) {
      const iw = ow * g.strideW + kw - g.padLeft;
      if (iw >= 0 && iw < g.inW) visit((n * g.inH + ih) * g.inW + iw, kh * g.kW + kw);
    }
  }
}

/**
 * Calls `taps(xIndex, wIndex, yIndex, count)` for every run of multiply-adds of y = conv2d(x, w):
 *   y[n,oh,ow,oc] = Σ_{kh,kw,ic} x[n, oh·s + kh − pad, ow·s + kw − pad, ic] · w[kh,kw,ic,oc]   (padding reads 0)
 * — one call per output pixel, tap and input channel, for the `count` = outC output channels oc, whose y and w
 * indices run on from yIndex and wIndex. The forward pass and both gradients are this same sum; only which
 * array is written changes.
 */
function forEachTap(g: ConvGeometry, taps: (xi: number, wi: number, yi: number, count: number) => void): void {
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const yBase = ((n * g.outH + oh) * g.outW + ow) * g.outC;
        forEachWindowTap(g, n, oh, ow, (pixel, tap) => {
          for (let ic = 0; ic < g.inC; ic++) taps(pixel * g.inC + ic, (tap * g.inC + ic) * g.outC, yBase, g.outC);
        });
      }
    }
  }
}

/**
 * What a convolution may finish with, in the same pass that produces its output: a bias per output channel and
 * a ReLU — the two steps that always follow it in a conv layer, and would each read and write the whole output.
 */
export interface Epilogue {
  bias: NDArray | null;
  relu: boolean;
}

/** out[i] = f(values[from + i] (+ bias[i mod C])), f = ReLU or identity: the epilogue, applied while copying. */
export function applyEpilogue(
  values: ArrayLike<number>,
  from: number,
  out: TypedArrayLike,
  epilogue: Epilogue | undefined,
): void {
  const bias = epilogue?.bias?.data;
  const relu = epilogue?.relu ?? false;
  const channels = bias ? bias.length : 1;
  for (let o = 0; o < out.length; o += channels) {
    for (let c = 0; c < channels; c++) {
      const v = values[from + o + c] + (bias ? bias[c] : 0);
      out[o + c] = relu && v < 0 ? 0 : v;
    }
  }
}

type TypedArrayLike = { length: number; [i: number]: number };

/** y = x ⋆ w (then the epilogue). */
export function conv2dReference(x: NDArray, w: NDArray, g: ConvGeometry, epilogue?: Epilogue): NDArray {
  const y = emptyLike(x.dtype, [g.batch, g.outH, g.outW, g.outC]);
  forEachTap(g, (xi, wi, yi, count) => {
    for (let o = 0; o < count; o++) y.data[yi + o] += x.data[xi] * w.data[wi + o];
  });
  if (epilogue) applyEpilogue(y.data, 0, y.data, epilogue);
  return y;
}

/** ∂L/∂x[xi] = Σ over the taps that read xi of ∂L/∂y[yi] · w[wi]. */
export function conv2dInputGradReference(dy: NDArray, w: NDArray, g: ConvGeometry): NDArray {
  const dx = emptyLike(dy.dtype, [g.batch, g.inH, g.inW, g.inC]);
  forEachTap(g, (xi, wi, yi, count) => {
    let sum = 0;
    for (let o = 0; o < count; o++) sum += dy.data[yi + o] * w.data[wi + o];
    dx.data[xi] += sum;
  });
  return dx;
}

/** ∂L/∂w[wi] = Σ over the taps that use wi of x[xi] · ∂L/∂y[yi]. */
export function conv2dFilterGradReference(x: NDArray, dy: NDArray, g: ConvGeometry): NDArray {
  const dw = emptyLike(x.dtype, [g.kH, g.kW, g.inC, g.outC]);
  forEachTap(g, (xi, wi, yi, count) => {
    for (let o = 0; o < count; o++) dw.data[wi + o] += x.data[xi] * dy.data[yi + o];
  });
  return dw;
}

/** What the backward pass of a convolution layer is given, and which gradients it is asked for. */
/** A conv layer that max-pooled its output (conv2dPool): what the backward pass routes the gradient by. */
export interface PooledOutput {
  /** The pooled output (after the ReLU when there was one). */
  y: NDArray;
  /** For each pooled value, the index into the conv's (unpooled) output of its window's winner. */
  argmax: Int32Array;
  /** The pooling's windows over the conv's output. */
  g: ConvGeometry;
  /** Whether a ReLU came before the pooling: a winner that is 0 then passes no gradient. */
  relu: boolean;
}

export interface Conv2dBackwardArgs {
  x: NDArray;
  w: NDArray;
  /** ∂L/∂y, y = the layer's output (the pooled one, with `pooled`). */
  dy: NDArray;
  g: ConvGeometry;
  /**
   * The forward output when the layer ended in a ReLU (its epilogue): the gradient passes where it is > 0 and is
   * 0 elsewhere (also where dy is NaN) — the ReLU's derivative, applied on the way in.
   */
  relu: NDArray | null;
  /** With a fused max-pool: dy is ∂L/∂(pooled output) and goes to each window's winner (where it was > 0). */
  pooled?: PooledOutput;
  input: boolean;
  filter: boolean;
  bias: boolean;
}

/** ∂L/∂x [N,H,W,C], ∂L/∂w [kh,kw,C,F], ∂L/∂bias [F] — each null unless asked for. */
export interface Conv2dGrads {
  dx: NDArray | null;
  dw: NDArray | null;
  db: NDArray | null;
}

/** dz = dy where y > 0, else 0: through the ReLU. */
function throughRelu(dy: NDArray, y: NDArray): NDArray {
  const dz = emptyLike(dy.dtype, dy.shape);
  for (let i = 0; i < dz.data.length; i++) dz.data[i] = y.data[i] > 0 ? dy.data[i] : 0;
  return dz;
}

/** dz of the conv's output from ∂L/∂(pooled output): each window's winner gets its gradient, if it passed the ReLU. */
function throughPool(dy: NDArray, p: PooledOutput): NDArray {
  const dz = emptyLike(dy.dtype, [p.g.batch, p.g.inH, p.g.inW, p.g.inC]);
  for (let i = 0; i < p.argmax.length; i++) if (!p.relu || p.y.data[i] > 0) dz.data[p.argmax[i]] += dy.data[i];
  return dz;
}

/** Σ over N, H, W of dz [N,H,W,F], per channel (in float64). */
function channelSums(dz: NDArray): NDArray {
  const channels = dz.shape[dz.shape.length - 1];
  const sums = new Float64Array(channels);
  for (let i = 0; i < dz.data.length; i++) sums[i % channels] += dz.data[i];
  const out = emptyLike(dz.dtype, [channels]);
  out.data.set(sums);
  return ndarray(out.data, [channels]);
}

/**
 * A convolution layer's backward pass from an input-gradient and a filter-gradient kernel: through the ReLU,
 * then each gradient asked for. The reference backend's, and any backend's that has only the two kernels.
 */
export function conv2dBackwardWith(
  inputGrad: (dy: NDArray, w: NDArray, g: ConvGeometry) => NDArray,
  filterGrad: (x: NDArray, dy: NDArray, g: ConvGeometry) => NDArray,
): (args: Conv2dBackwardArgs) => Conv2dGrads {
  return (a) => {
    const dz = a.pooled ? throughPool(a.dy, a.pooled) : a.relu ? throughRelu(a.dy, a.relu) : a.dy;
    return {
      dx: a.input ? inputGrad(dz, a.w, a.g) : null,
      dw: a.filter ? filterGrad(a.x, dz, a.g) : null,
      db: a.bias ? channelSums(dz) : null,
    };
  };
}

export const conv2dBackwardReference = conv2dBackwardWith(conv2dInputGradReference, conv2dFilterGradReference);
