import { DType } from '../../dtype';
import { ConvGeometry } from '../../kernels/conv';
import { col2im, filterGradPackers, forwardPackers, inputGradPackers } from './conv';
import { ThreadContext } from './context';
import { gemm, matrixPackers, Packers } from './gemm';
import { gemmF32 } from './wasm/gemm-f32';

/**
 * A job is a kernel plus integers (element offsets into the shared arena, sizes, geometry), so that it can be
 * written into shared memory and run, a slice each, by the main thread and the workers alike.
 */
export const JobKind = { Matmul: 1, ConvForward: 2, ConvInputGrad: 3, ConvFilterGrad: 4 } as const;
export type JobKind = (typeof JobKind)[keyof typeof JobKind];

const GEOMETRY_KEYS = ['batch', 'inH', 'inW', 'inC', 'kH', 'kW', 'outH', 'outW', 'outC', 'strideH', 'strideW', 'padTop', 'padLeft'] as const;

export function encodeGeometry(g: ConvGeometry): number[] {
  return GEOMETRY_KEYS.map((key) => g[key]);
}

function decodeGeometry(params: ArrayLike<number>, at: number): ConvGeometry {
  return Object.fromEntries(GEOMETRY_KEYS.map((key, i) => [key, params[at + i]])) as unknown as ConvGeometry;
}

/** [start, end) of part `part` of `parts` equal slices of `total`, rounded to multiples of `align`. */
export function sliceOf(total: number, part: number, parts: number, align = 1): [number, number] {
  const cut = (p: number): number => (p === parts ? total : Math.min(total, Math.round((total * p) / parts / align) * align));
  return [cut(part), cut(part + 1)];
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

/** Runs slice `part` of `parts` of a job, in the thread of `ctx`. */
export function runJob(kind: JobKind, p: ArrayLike<number>, part: number, parts: number, dtype: DType, ctx: ThreadContext): void {
  const data = ctx.view(dtype);
  switch (kind) {
    case JobKind.Matmul: {
      const [a, b, c, m, n, k, transA, transB] = [p[0], p[1], p[2], p[3], p[4], p[5], p[6] === 1, p[7] === 1];
      const [m0, m1] = sliceOf(m, part, parts, 4);
      multiply(ctx, dtype, m0, m1, n, k, matrixPackers(data, a, transA, m, data, b, transB, n, k), c, n);
      return;
    }
    case JobKind.ConvForward: {
      const [x, w, y, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const pixels = g.outH * g.outW;
      const [n0, n1] = sliceOf(g.batch, part, parts);
      const rows = (n1 - n0) * pixels;
      multiply(ctx, dtype, 0, rows, g.outC, g.kH * g.kW * g.inC, forwardPackers(data, x, data, w, g, n0 * pixels, rows), y + n0 * pixels * g.outC, g.outC);
      return;
    }
    case JobKind.ConvInputGrad: {
      const [dy, w, dx, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const pixels = g.outH * g.outW;
      const patchSize = g.kH * g.kW * g.inC;
      const [n0, n1] = sliceOf(g.batch, part, parts);
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
    case JobKind.ConvFilterGrad: {
      // each part sums over its own images into its own partial dW; the caller adds the partials in part order
      const [x, dy, partials, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const pixels = g.outH * g.outW;
      const patchSize = g.kH * g.kW * g.inC;
      const [n0, n1] = sliceOf(g.batch, part, parts);
      const out = partials + part * patchSize * g.outC;
      multiply(ctx, dtype, 0, patchSize, g.outC, (n1 - n0) * pixels, filterGradPackers(data, x, data, dy, g, n0 * pixels), out, g.outC);
      return;
    }
  }
}
