import { TypedArray } from '../../dtype';
import { ConvGeometry } from '../../kernels/conv';
import { col2im, filterGradPackers, forwardPackers, inputGradPackers } from './conv';
import { gemm, GemmScratch, matrixPackers } from './gemm';

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

/** Per-thread working memory: GEMM packing buffers and a row-chunk buffer for the input gradient. */
export class ThreadScratch {
  readonly gemm = new GemmScratch();
  chunk = new Float64Array(0);
}

const CHUNK_ROWS = 128;

/** Runs slice `part` of `parts` of a job on `data` (the arena viewed in the job's dtype). */
export function runJob(kind: JobKind, p: ArrayLike<number>, part: number, parts: number, data: TypedArray, scratch: ThreadScratch): void {
  switch (kind) {
    case JobKind.Matmul: {
      const [a, b, c, m, n, k, transA, transB] = [p[0], p[1], p[2], p[3], p[4], p[5], p[6] === 1, p[7] === 1];
      const [m0, m1] = sliceOf(m, part, parts, 4);
      gemm(m0, m1, n, k, matrixPackers(data, a, transA, m, data, b, transB, n, k), data, c, n, scratch.gemm);
      return;
    }
    case JobKind.ConvForward: {
      const [x, w, y, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const pixels = g.outH * g.outW;
      const [n0, n1] = sliceOf(g.batch, part, parts);
      const rows = (n1 - n0) * pixels;
      gemm(0, rows, g.outC, g.kH * g.kW * g.inC, forwardPackers(data, x, data, w, g, n0 * pixels, rows), data, y + n0 * pixels * g.outC, g.outC, scratch.gemm);
      return;
    }
    case JobKind.ConvInputGrad: {
      const [dy, w, dx, g] = [p[0], p[1], p[2], decodeGeometry(p, 3)];
      const pixels = g.outH * g.outW;
      const patchSize = g.kH * g.kW * g.inC;
      const [n0, n1] = sliceOf(g.batch, part, parts);
      if (scratch.chunk.length < CHUNK_ROWS * patchSize) scratch.chunk = new Float64Array(CHUNK_ROWS * patchSize);
      for (let r0 = n0 * pixels; r0 < n1 * pixels; r0 += CHUNK_ROWS) {
        const rows = Math.min(CHUNK_ROWS, n1 * pixels - r0);
        const dp = scratch.chunk.subarray(0, rows * patchSize).fill(0);
        gemm(0, rows, patchSize, g.outC, inputGradPackers(data, dy, data, w, g, r0, rows), dp, 0, patchSize, scratch.gemm);
        col2im(dp, rows, r0, data, dx, g);
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
      gemm(0, patchSize, g.outC, (n1 - n0) * pixels, filterGradPackers(data, x, data, dy, g, n0 * pixels), data, out, g.outC, scratch.gemm);
      return;
    }
  }
}
