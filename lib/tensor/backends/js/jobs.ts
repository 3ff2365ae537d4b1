import { DType, TypedArray } from '../../dtype';
import { ConvGeometry, GEOMETRY_FIELDS } from '../../kernels/conv';
import { col2im, filterGradPackers, forwardPackers, inputGradPackers } from './conv';
import { ThreadContext } from './context';
import { DirectArrays, directFilterGrad, directForward, gradRows } from './direct';
import { Pooling } from './fused-pool';
import { gemm, matrixPackers } from './gemm';
import { maxPoolImages } from './max-pool';
import { gemmF32 } from './wasm/gemm-f32';
import { TileSize, winogradBackward, winogradForward, winogradPlan } from './winograd';

/** Where a job's per-thread scratch lies: thread i's at scratch + i·stride (elements). */
const SCRATCH = ['scratch', 'stride'] as const;

/**
 * A job is a kernel plus named integers — element offsets into the shared memory (of the job's dtype; int32
 * elements for index arrays), sizes, flags, the geometry — written into shared memory and run, a slice each, by
 * the main thread and the workers alike. Each kind lists its parameters once: `encodeJob` and the runners use
 * the same names, so no parameter is read by position.
 */
export const JOB_PARAMS = {
  /** C = op(A)·op(B); tasks split C's rows, or with byColumns its columns. */
  matmul: ['a', 'b', 'c', 'm', 'n', 'k', 'transA', 'transB', 'byColumns'],
  /** The general convolution (any size, stride, padding) as matrix products over an implicit im2col. */
  convForward: ['x', 'w', 'y', 'bias', 'relu', ...GEOMETRY_FIELDS],
  convInputGrad: ['dy', 'w', 'dx', ...GEOMETRY_FIELDS],
  /** Each task's partial dW at partials + task·|dW|. */
  convFilterGrad: ['x', 'dy', 'partials', ...GEOMETRY_FIELDS],
  maxPool: ['x', 'y', 'argmax', ...GEOMETRY_FIELDS],
  maxPoolGrad: ['dy', 'argmax', 'dx', ...GEOMETRY_FIELDS],
  /** With pooled ≠ 0: a fused 2×2 max-pool writes pooled (and argmax, int32) instead of y. */
  winogradForward: ['x', 'u', 'y', 'bias', 'relu', 'pooled', 'argmax', 'tile', ...SCRATCH, ...GEOMETRY_FIELDS],
  /** Each task's partial ∂U at dU + task·|∂U| and bias gradient at db + task·outC (0: not wanted). */
  /** With pooled ≠ 0: dy is the pooled gradient, routed to the winners (argmax), where pooled > 0 with relu. */
  winogradBackward: [
    'x',
    'dy',
    'mask',
    'pooled',
    'argmax',
    'relu',
    'uFlipped',
    'dx',
    'dU',
    'db',
    'tile',
    ...SCRATCH,
    ...GEOMETRY_FIELDS,
  ],
  directForward: ['x', 'w', 'y', 'bias', 'relu', 'pooled', 'argmax', 'offsets', ...SCRATCH, ...GEOMETRY_FIELDS],
  /** Each task's partial dW at dw + task·kH·gradRows·outC and bias gradient at db + task·outC. */
  directFilterGrad: ['x', 'dy', 'mask', 'pooled', 'argmax', 'relu', 'dw', 'db', ...SCRATCH, ...GEOMETRY_FIELDS],
  /** The `count` partials of `size` floats at `at` added into the first, in order; tasks split the elements. */
  sumPartials: ['at', 'size', 'count'],
  /**
   * Winograd's filter transform (U = G·g·Gᵀ), or with `back` its adjoint (dW = Gᵀ·dU·G), the points' matrices
   * pointFloats apart; tasks split inC.
   */
  winogradFilter: ['src', 'dst', 'inC', 'outC', 'tile', 'back', 'pointFloats'],
  /** Adam's update of `count` parameters (a multiple of 4), constants as the `adam` kernel takes them. */
  adam: ['theta', 'grad', 'm', 'v', 'count', 'constants'],
} as const;

export type JobKind = keyof typeof JOB_PARAMS;
export type JobParams<K extends JobKind> = Record<(typeof JOB_PARAMS)[K][number], number>;
export const JOB_KINDS = Object.keys(JOB_PARAMS) as JobKind[];

/** The parameters in their listed order, for the shared control block. */
export function encodeJob<K extends JobKind>(kind: K, params: JobParams<K>): number[] {
  return (JOB_PARAMS[kind] as readonly string[]).map((key) => (params as Record<string, number>)[key]);
}

/** One parameter object per kind and thread, refilled by each task (a runner never keeps it past its task). */
const decoded: Partial<Record<JobKind, Record<string, number>>> = {};

function decode<K extends JobKind>(kind: K, values: ArrayLike<number>): JobParams<K> {
  const out = (decoded[kind] ??= {} as Record<string, number>);
  const keys = JOB_PARAMS[kind] as readonly string[];
  for (let i = 0; i < keys.length; i++) out[keys[i]] = values[i];
  return out as JobParams<K>;
}

/** Just the geometry's sizes (of a geometry, or of a job's parameters that include them). */
export function geometryParams(g: ConvGeometry): ConvGeometry {
  const out = {} as ConvGeometry;
  for (const field of GEOMETRY_FIELDS) out[field] = g[field];
  return out;
}

/** [start, end) of task `task` of `tasks` equal slices of `total`, rounded to multiples of `align`. */
export function sliceOf(total: number, task: number, tasks: number, align = 1): [number, number] {
  const cut = (t: number): number =>
    t === tasks ? total : Math.min(total, Math.round((total * t) / tasks / align) * align);
  return [cut(task), cut(task + 1)];
}

const CHUNK_ROWS = 128;

type Runner<K extends JobKind> = (
  p: JobParams<K>,
  task: number,
  tasks: number,
  dtype: DType,
  ctx: ThreadContext,
) => void;

const RUNNERS: { [K in JobKind]: Runner<K> } = {
  matmul(p, task, tasks, dtype, ctx) {
    const { m, n, k } = p;
    const [transA, transB] = [p.transA === 1, p.transB === 1];
    const [m0, m1] = p.byColumns ? [0, m] : sliceOf(m, task, tasks, 4);
    const [n0, n1] = p.byColumns ? sliceOf(n, task, tasks, 8) : [0, n];
    if (dtype === 'float32' && ctx.kernels) {
      const A = { at: p.a * 4, row: transA ? 4 : k * 4, col: transA ? m * 4 : 4 };
      const B = { at: p.b * 4, row: transB ? 4 : n * 4, col: transB ? k * 4 : 4 };
      gemmF32(wasmThread(ctx), A, B, { at: p.c * 4, row: n * 4, col: 4 }, { m0, m1, n0, n1, k }, false);
      return;
    }
    // the TypeScript tile adds into C, which the caller has zeroed; it splits rows only
    const data = ctx.view(dtype);
    gemm(m0, m1, n, k, matrixPackers(data, p.a, transA, m, data, p.b, transB, n, k), data, p.c, n, ctx.gemm);
  },
  convForward(p, task, tasks, dtype, ctx) {
    // bias < 0: none; the epilogue (bias, ReLU) is applied by each task to its own rows, still in the memory
    const { g, data, pixels, n0, n1 } = convTask(p, task, tasks, dtype, ctx);
    const rows = (n1 - n0) * pixels;
    const out = p.y + n0 * pixels * g.outC;
    gemm(
      0,
      rows,
      g.outC,
      g.kH * g.kW * g.inC,
      forwardPackers(data, p.x, data, p.w, g, n0 * pixels, rows),
      data,
      out,
      g.outC,
      ctx.gemm,
    );
    if (p.bias >= 0 || p.relu) finishRows(data, out, rows, g.outC, p.bias, p.relu === 1);
  },
  convInputGrad(p, task, tasks, dtype, ctx) {
    // dP for a chunk of rows goes to a scratch of this thread, then back to dx (which the caller has zeroed)
    const { g, data, pixels, patchSize, n0, n1 } = convTask(p, task, tasks, dtype, ctx);
    const chunkRows = CHUNK_ROWS;
    if (ctx.chunk64.length < chunkRows * patchSize) ctx.chunk64 = new Float64Array(chunkRows * patchSize);
    const scratch = ctx.chunk64;
    for (let r0 = n0 * pixels; r0 < n1 * pixels; r0 += chunkRows) {
      const rows = Math.min(chunkRows, n1 * pixels - r0);
      scratch.fill(0, 0, rows * patchSize);
      gemm(
        0,
        rows,
        patchSize,
        g.outC,
        inputGradPackers(data, p.dy, data, p.w, g, r0, rows),
        scratch,
        0,
        patchSize,
        ctx.gemm,
      );
      col2im(scratch, rows, r0, data, p.dx, g);
    }
  },
  convFilterGrad(p, task, tasks, dtype, ctx) {
    // each task sums over its own images into its own partial dW (zeroed by the caller), added in task order
    const { g, data, pixels, patchSize, n0, n1 } = convTask(p, task, tasks, dtype, ctx);
    const out = p.partials + task * patchSize * g.outC;
    gemm(
      0,
      patchSize,
      g.outC,
      (n1 - n0) * pixels,
      filterGradPackers(data, p.x, data, p.dy, g, n0 * pixels),
      data,
      out,
      g.outC,
      ctx.gemm,
    );
  },
  maxPool(p, task, tasks, dtype, ctx) {
    const g = geometryParams(p);
    const [n0, n1] = sliceOf(g.batch, task, tasks);
    const inside =
      g.padTop === 0 &&
      g.padLeft === 0 &&
      (g.outH - 1) * g.strideH + g.kH <= g.inH &&
      (g.outW - 1) * g.strideW + g.kW <= g.inW;
    const twoByTwo = g.kH === 2 && g.kW === 2 && g.strideH === 2 && g.strideW === 2;
    if (dtype === 'float32' && ctx.kernels && inside && g.inC % 4 === 0 && twoByTwo) {
      ctx.kernels.maxpool2(4 * p.x, 4 * p.y, 4 * p.argmax, n0, n1, g.inH, g.inW, g.inC, g.outH, g.outW, 0);
    } else if (dtype === 'float32' && ctx.kernels && inside && g.inC % 4 === 0) {
      ctx.kernels.maxpool(
        4 * p.x,
        4 * p.y,
        4 * p.argmax,
        n0,
        n1,
        g.inH,
        g.inW,
        g.inC,
        g.outH,
        g.outW,
        g.kH,
        g.kW,
        g.strideH,
        g.strideW,
      );
    } else {
      maxPoolImages(ctx.view(dtype), p.x, ctx.view(dtype), p.y, ctx.views.int32, p.argmax, g, n0, n1);
    }
  },
  maxPoolGrad(p, task, tasks, dtype, ctx) {
    // each task zeroes its images' dx and sends each output's gradient to its window's winner (within the image)
    const g = geometryParams(p);
    const [n0, n1] = sliceOf(g.batch, task, tasks);
    const [xImage, yImage] = [g.inH * g.inW * g.inC, g.outH * g.outW * g.inC];
    const data = ctx.view(dtype);
    if (dtype === 'float32' && ctx.kernels) {
      ctx.kernels.zero(4 * (p.dx + n0 * xImage), 4 * (n1 - n0) * xImage);
      ctx.kernels.maxpool_grad(4 * (p.dy + n0 * yImage), 4 * (p.argmax + n0 * yImage), 4 * p.dx, (n1 - n0) * yImage);
      return;
    }
    data.fill(0, p.dx + n0 * xImage, p.dx + n1 * xImage);
    const index = ctx.views.int32;
    for (let i = n0 * yImage; i < n1 * yImage; i++) data[p.dx + index[p.argmax + i]] += data[p.dy + i];
  },
  winogradForward(p, task, tasks, _dtype, ctx) {
    const g = geometryParams(p);
    const [n0, n1] = sliceOf(g.batch, task, tasks);
    const scratch = 4 * (p.scratch + ctx.index * p.stride);
    winogradForward(
      ctx.kernels!,
      winogradPlan(g, p.tile as TileSize),
      g,
      {
        x: 4 * p.x,
        u: 4 * p.u,
        y: 4 * p.y,
        bias: 4 * p.bias,
        relu: p.relu,
        pool: pooling(p),
        scratch,
        tmp: ctx.scratch.tmp,
      },
      n0,
      n1,
    );
  },
  winogradBackward(p, task, tasks, _dtype, ctx) {
    const g = geometryParams(p);
    const [n0, n1] = sliceOf(g.batch, task, tasks);
    const plan = winogradPlan(g, p.tile as TileSize);
    const scratch = 4 * (p.scratch + ctx.index * p.stride);
    const dU = p.dU && 4 * (p.dU + task * plan.points * plan.pointFloats);
    const db = p.db && 4 * (p.db + task * g.outC);
    winogradBackward(
      ctx.kernels!,
      plan,
      g,
      {
        x: 4 * p.x,
        dy: 4 * p.dy,
        mask: 4 * p.mask,
        pool: pooling(p),
        relu: p.relu,
        uFlipped: 4 * p.uFlipped,
        dx: 4 * p.dx,
        dU,
        db,
        scratch,
        tmp: ctx.scratch.tmp,
      },
      n0,
      n1,
    );
  },
  directForward(p, task, tasks, _dtype, ctx) {
    const g = geometryParams(p);
    const [n0, n1] = sliceOf(g.batch, task, tasks);
    directForward(
      ctx.kernels!,
      g,
      {
        ...directArrays({
          x: p.x,
          w: p.w,
          y: p.y,
          bias: p.bias,
          relu: p.relu,
          offsets: p.offsets,
          scratch: p.scratch + ctx.index * p.stride,
        }),
        pool: pooling(p),
      },
      n0,
      n1,
    );
  },
  directFilterGrad(p, task, tasks, _dtype, ctx) {
    const g = geometryParams(p);
    const [n0, n1] = sliceOf(g.batch, task, tasks);
    const dw = p.dw + task * g.kH * gradRows(g) * g.outC;
    const db = p.db + task * g.outC;
    directFilterGrad(
      ctx.kernels!,
      g,
      {
        ...directArrays({
          x: p.x,
          dy: p.dy,
          mask: p.mask,
          relu: p.relu,
          dw,
          db,
          scratch: p.scratch + ctx.index * p.stride,
        }),
        pool: pooling(p),
      },
      n0,
      n1,
    );
  },
  sumPartials(p, task, tasks, _dtype, ctx) {
    const [i0, i1] = sliceOf(p.size, task, tasks, 4);
    for (let t = 1; t < p.count; t++) ctx.kernels!.add_into(4 * (p.at + i0), 4 * (p.at + t * p.size + i0), i1 - i0);
  },
  winogradFilter(p, task, tasks, _dtype, ctx) {
    const [ci0, ci1] = sliceOf(p.inC, task, tasks);
    const transform = ctx.kernels![`${p.back ? 'filter_grad' : 'filter'}${p.tile as TileSize}`];
    const [taps, points] = [4 * p.inC * p.outC, 4 * p.pointFloats];
    const [srcSlot, dstSlot] = p.back ? [points, taps] : [taps, points];
    transform(4 * p.src, p.outC, 4 * p.dst, srcSlot, dstSlot, ci0, ci1, ctx.scratch.tmp);
  },
  adam(p, task, tasks, _dtype, ctx) {
    const [i0, i1] = sliceOf(p.count, task, tasks, 4);
    const at = (array: number): number => 4 * (array + i0);
    ctx.kernels!.adam(at(p.theta), at(p.grad), at(p.m), at(p.v), i1 - i0, 4 * p.constants);
  },
};

/** A fused pooling's arrays as byte offsets (float32 values, int32 winners; 0: none). */
/** What a GEMM-based conv task works on: the geometry, the memory, and its images [n0, n1). */
function convTask(p: ConvGeometry, task: number, tasks: number, dtype: DType, ctx: ThreadContext) {
  const g = geometryParams(p);
  const [n0, n1] = sliceOf(g.batch, task, tasks);
  return { g, data: ctx.view(dtype), pixels: g.outH * g.outW, patchSize: g.kH * g.kW * g.inC, n0, n1 };
}

function pooling(p: { pooled: number; argmax: number }): Pooling {
  return { pooled: 4 * p.pooled, argmax: 4 * p.argmax };
}

/** Element offsets (float32, or int32 for the offsets table) as the byte offsets the kernels take; 0 stays "none". */
function directArrays(elements: Partial<DirectArrays>): Omit<DirectArrays, 'pool'> {
  const bytes = (v = 0): number => 4 * v;
  const e = elements;
  return {
    x: bytes(e.x),
    w: bytes(e.w),
    y: bytes(e.y),
    bias: bytes(e.bias),
    relu: e.relu ?? 0,
    dy: bytes(e.dy),
    mask: bytes(e.mask),
    offsets: bytes(e.offsets),
    dw: bytes(e.dw),
    db: bytes(e.db),
    scratch: bytes(e.scratch),
  };
}

function wasmThread(ctx: ThreadContext) {
  return { kernels: ctx.kernels!, scratch: ctx.scratch };
}

/** y[row, c] = max(y[row, c] + bias[c], 0) (bias when `bias` ≥ 0, ReLU when asked), in place. */
function finishRows(data: TypedArray, y: number, rows: number, channels: number, bias: number, relu: boolean): void {
  for (let r = 0; r < rows; r++) {
    const at = y + r * channels;
    for (let c = 0; c < channels; c++) {
      const v = data[at + c] + (bias >= 0 ? data[bias + c] : 0);
      data[at + c] = relu && v < 0 ? 0 : v;
    }
  }
}

/** Runs task `task` of the `tasks` a job is cut into, in the thread of `ctx`. */
export function runJob(
  kind: JobKind,
  values: ArrayLike<number>,
  task: number,
  tasks: number,
  dtype: DType,
  ctx: ThreadContext,
): void {
  (RUNNERS[kind] as Runner<JobKind>)(decode(kind, values), task, tasks, dtype, ctx);
}
