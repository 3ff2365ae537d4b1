import * as os from 'node:os';
import { Backend } from '../../backend';
import { allocate, DType } from '../../dtype';
import { ConvGeometry } from '../../kernels/conv';
import { NDArray, ndarray } from '../../ndarray';
import { encodeGeometry, JobKind } from './jobs';
import { ThreadPool } from './pool';

/** Below this many floating-point operations a kernel runs on the main thread alone: waking a worker costs ~50 µs. */
const PARALLEL_MIN_FLOPS = 2e6;

/** Places arrays back to back in the arena (offsets in elements of one dtype). */
class Layout {
  size = 0;
  take(elements: number): number {
    const at = this.size;
    this.size += elements;
    return at;
  }
}

export interface JsBackend extends Backend {
  /** Threads the kernels are split over (the main thread included). */
  readonly threads: number;
  /** Whether float32 products run on the WebAssembly SIMD kernel (else on the TypeScript one). */
  readonly simd: boolean;
  /** Why worker threads could not start, if they could not. */
  readonly startError: string | null;
}

export function defaultThreads(): number {
  const fromEnv = Number(process.env.TRIPLET_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.min(8, Math.max(1, os.availableParallelism()));
}

/**
 * Fast TypeScript kernels: cache-blocked GEMM with a 4×4 register tile (≈ 4 GFLOPS per core here, 4× a naive
 * loop), convolutions as GEMMs over an implicit im2col, split over all cores by a fork–join pool.
 * Max-pooling is split over the images too.
 */
export function createJsBackend(threads = defaultThreads()): JsBackend {
  const pool = new ThreadPool(threads);

  /** Copies the inputs into the arena, runs the job, and copies `outSize` elements back out. */
  function execute(dtype: DType, inputs: readonly NDArray[], outSize: number, flops: number, maxParts: number, job: (offsets: number[], out: number) => [JobKind, number[]]): { data: Float32Array | Float64Array; out: number } {
    const layout = new Layout();
    const relative = inputs.map((t) => layout.take(t.data.length));
    const outRelative = layout.take(outSize);
    const { data, start } = pool.view(dtype, layout.size);
    const offsets = relative.map((o) => start + o);
    const out = start + outRelative;
    inputs.forEach((t, i) => data.set(t.data, offsets[i]));
    data.fill(0, out, out + outSize);
    const [kind, params] = job(offsets, out);
    pool.run(kind, params, dtype, flops < PARALLEL_MIN_FLOPS ? 1 : Math.min(maxParts, threads));
    return { data, out };
  }

  function copyOut(dtype: DType, source: { data: Float32Array | Float64Array; out: number }, shape: number[]): NDArray {
    const result = allocate(dtype, shape.reduce((a, b) => a * b, 1));
    result.set(source.data.subarray(source.out, source.out + result.length));
    return ndarray(result, shape);
  }

  const convFlops = (g: ConvGeometry): number => 2 * g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;

  return {
    name: 'js',
    threads,
    simd: pool.simd,
    get startError() {
      return pool.startError;
    },
    matmul(a, b, transA, transB) {
      const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const n = transB ? b.shape[0] : b.shape[1];
      const run = execute(a.dtype, [a, b], m * n, 2 * m * n * k, Math.floor(m / 4), ([ao, bo], c) => [JobKind.Matmul, [ao, bo, c, m, n, k, Number(transA), Number(transB)]]);
      return copyOut(a.dtype, run, [m, n]);
    },
    conv2d(x, w, g, epilogue) {
      // bias and ReLU are applied by each thread to its rows, in the shared memory, right after its product
      const bias = epilogue?.bias ?? null;
      const inputs = bias ? [x, w, bias] : [x, w];
      const run = execute(x.dtype, inputs, g.batch * g.outH * g.outW * g.outC, convFlops(g), g.batch, ([xo, wo, bo], y) => [
        JobKind.ConvForward,
        [xo, wo, y, bias ? bo : -1, epilogue?.relu ? 1 : 0, ...encodeGeometry(g)],
      ]);
      return copyOut(x.dtype, run, [g.batch, g.outH, g.outW, g.outC]);
    },
    conv2dInputGrad(dy, w, g) {
      const run = execute(dy.dtype, [dy, w], g.batch * g.inH * g.inW * g.inC, convFlops(g), g.batch, ([dyo, wo], dx) => [JobKind.ConvInputGrad, [dyo, wo, dx, ...encodeGeometry(g)]]);
      return copyOut(dy.dtype, run, [g.batch, g.inH, g.inW, g.inC]);
    },
    conv2dFilterGrad(x, dy, g) {
      const size = g.kH * g.kW * g.inC * g.outC;
      const parts = convFlops(g) < PARALLEL_MIN_FLOPS ? 1 : Math.min(threads, g.batch);
      const run = execute(x.dtype, [x, dy], size * parts, convFlops(g), parts, ([xo, dyo], partials) => [JobKind.ConvFilterGrad, [xo, dyo, partials, ...encodeGeometry(g)]]);
      // the partial sums of the threads, added in a fixed order
      const dw = allocate(x.dtype, size);
      for (let part = 0; part < Math.min(parts, pool.activeThreads); part++) {
        const from = run.out + part * size;
        for (let i = 0; i < size; i++) dw[i] += run.data[from + i];
      }
      return ndarray(dw, [g.kH, g.kW, g.inC, g.outC]);
    },
    maxPool2d(x, g) {
      const size = g.batch * g.outH * g.outW * g.inC;
      const bytes = x.dtype === 'float64' ? 8 : 4;
      // the winners' indices share the data region: `size` int32 slots at the output's end
      const run = execute(x.dtype, [x], size + Math.ceil((size * 4) / bytes), size * g.kH * g.kW, g.batch, ([xo], y) => [JobKind.MaxPool, [xo, y, ((y + size) * bytes) / 4, ...encodeGeometry(g)]]);
      const argmaxAt = ((run.out + size) * bytes) / 4;
      const argmax = new Int32Array(run.data.buffer, argmaxAt * 4, size).slice();
      const y = allocate(x.dtype, size);
      y.set(run.data.subarray(run.out, run.out + size));
      return { y: ndarray(y, [g.batch, g.outH, g.outW, g.inC]), argmax };
    },
  };
}
