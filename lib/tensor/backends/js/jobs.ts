import { DType, TypedArray } from '../../dtype';
import { ConvGeometry } from '../../kernels/conv';
import { col2im, filterGradPackers, forwardPackers, inputGradPackers } from './conv';
import { ThreadContext } from './context';
import { gemm, matrixPackers, Packers } from './gemm';
import { maxPoolImages } from './max-pool';
import { gemmF32 } from './wasm/gemm-f32';

/**
 * A job is a kernel plus integers (element offsets into the shared arena, sizes, geometry), so that it can be
 * written into shared memory and run, a slice each, by the main thread and the workers alike.
 */
export const JobKind = { Matmul: 1, ConvForward: 2, ConvInputGrad: 3, ConvFilterGrad: 4, MaxPool: 5 } as const;
export type JobKind = (typeof JobKind)[keyof typeof JobKind];

const GEOMETRY_KEYS = ['batch', 'inH', 'inW', 'inC', 'kH', 'kW', 'outH', 'outW', 'outC', 'strideH', 'strideW', 'padTop', 'padLeft'] as const;

export function encodeGeometry(g: ConvGeometry): number[] {
  return GEOMETRY_KEYS.map((key) => g[key]);
}

function decodeGeometry(params: ArrayLike<number>, at: number): ConvGeometry {
  return Object.fromEntries(GEOMETRY_KEYS.map((key, i) => [key, params[at + i]])) as unknown as ConvGeometry;
}

/** [start, end) of task `task` of `tasks` equal slices of `total`, rounded to multiples of `align`. */
export function sliceOf(total: number, task: number, tasks: number, align = 1): [number, number] {
  const cut = (t: number): number => (t === tasks ? total : Math.min(total, Math.round((total * t) / tasks / align) * align));
  return [cut(task), cut(task + 1)];
}

const CHUNK_ROWS = 128;

/**
 * C (from element `c` of the job's data, row stride `ldc`) += A·B for rows [m0, m1): on the WebAssembly SIMD
 * kernel for float32, on the TypeScript one for float64 (or where WebAssembly SIMD is missing).
 */
function multiply(ctx: ThreadContext, dtype: DType, m0: number, m1: number, n: number, k: number, packers: Packers, c: number, ldc: number): void {
  if (dtype === 'float32' && ctx.wasm) gemmF32(m0, m1, n, k, packers, c, ldc, ctx.wasm);
  else gemm(m0, m1, n, k, packers, ctx.view(dtype), c, ldc, ctx.gemm);
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
export function runJob(kind: JobKind, p: ArrayLike<number>, task: number, tasks: number, dtype: DType, ctx: ThreadContext): void {
  const data = ctx.view(dtype);
  switch (kind) {
    case JobKind.Matmul: {
      const [a, b, c, m, n, k, transA, transB] = [p[0], p[1], p[2], p[3], p[4], p[5], p[6] === 1, p[7] === 1];
      const [m0, m1] = sliceOf(m, task, tasks, 4);
      multiply(ctx, dtype, m0, m1, n, k, matrixPackers(data, a, transA, m, data, b, transB, n, k), c, n);
      return;
    }
    case JobKind.ConvForward: {
      // bias < 0: none; the epilogue (bias, ReLU) is applied by each thread to its own rows, still in the memory
      const [x, w, y, bias, relu, g] = [p[0], p[1], p[2], p[3], p[4] === 1, decodeGeometry(p, 5)];
      const pixels = g.outH * g.outW;
      const [n0, n1] = sliceOf(g.batch, task, tasks);
      const rows = (n1 - n0) * pixels;
      const out = y + n0 * pixels * g.outC;
      multiply(ctx, dtype, 0, rows, g.outC, g.kH * g.kW * g.inC, forwardPackers(data, x, data, w, g, n0 * pixels, rows), out, g.outC);
      if (bias < 0 && !relu) return;
      if (dtype === 'float32' && ctx.wasm && g.outC % 4 === 0) ctx.wasm.finish(4 * out, rows, g.outC, bias < 0 ? -1 : 4 * bias, relu ? 1 : 0);
      else finishRows(data, out, rows, g.outC, bias, relu);
      return;
    }
    case JobKind.ConvInputGrad: {
      const [dy, w, dx, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const pixels = g.outH * g.outW;
      const patchSize = g.kH * g.kW * g.inC;
      const [n0, n1] = sliceOf(g.batch, task, tasks);
      // dP for a chunk of rows goes to a scratch of this thread (in the shared memory for the SIMD kernel), then back to dx
      const wasm = dtype === 'float32' && ctx.wasm !== null;
      const { at, capacity } = wasm ? ctx.chunk32() : { at: 0, capacity: CHUNK_ROWS * patchSize };
      const chunkRows = Math.max(1, Math.min(CHUNK_ROWS, Math.floor(capacity / patchSize)));
      if (!wasm && ctx.chunk64.length < chunkRows * patchSize) ctx.chunk64 = new Float64Array(chunkRows * patchSize);
      const scratch = wasm ? ctx.views.float32 : ctx.chunk64;
      for (let r0 = n0 * pixels; r0 < n1 * pixels; r0 += chunkRows) {
        const rows = Math.min(chunkRows, n1 * pixels - r0);
        scratch.fill(0, at, at + rows * patchSize);
        const packers = inputGradPackers(data, dy, data, w, g, r0, rows);
        if (wasm) gemmF32(0, rows, patchSize, g.outC, packers, at, patchSize, ctx.wasm!);
        else gemm(0, rows, patchSize, g.outC, packers, scratch, at, patchSize, ctx.gemm);
        col2im(scratch.subarray(at, at + rows * patchSize), rows, r0, data, dx, g);
      }
      return;
    }
    case JobKind.MaxPool: {
      // argmax goes to an int32 region of the memory; its offset arrives in int32 elements
      const [x, y, argmax, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const [n0, n1] = sliceOf(g.batch, task, tasks);
      const inside = g.padTop === 0 && g.padLeft === 0 && (g.outH - 1) * g.strideH + g.kH <= g.inH && (g.outW - 1) * g.strideW + g.kW <= g.inW;
      if (dtype === 'float32' && ctx.wasm && inside && g.inC % 4 === 0) {
        ctx.wasm.maxpool(4 * x, 4 * y, 4 * argmax, n0, n1, g.inH, g.inW, g.inC, g.outH, g.outW, g.kH, g.kW, g.strideH, g.strideW);
      } else {
        maxPoolImages(data, x, data, y, ctx.views.int32, argmax, g, n0, n1);
      }
      return;
    }
    case JobKind.ConvFilterGrad: {
      // each task sums over its own images into its own partial dW; the caller adds the partials in task order
      const [x, dy, partials, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const pixels = g.outH * g.outW;
      const patchSize = g.kH * g.kW * g.inC;
      const [n0, n1] = sliceOf(g.batch, task, tasks);
      const out = partials + task * patchSize * g.outC;
      multiply(ctx, dtype, 0, patchSize, g.outC, (n1 - n0) * pixels, filterGradPackers(data, x, data, dy, g, n0 * pixels), out, g.outC);
      return;
    }
  }
}
