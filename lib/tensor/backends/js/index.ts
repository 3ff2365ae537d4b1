import * as os from 'node:os';
import { Backend } from '../../backend';
import { allocate, DType } from '../../dtype';
import { ConvGeometry } from '../../kernels/conv';
import { NDArray, ndarray } from '../../ndarray';
import { encodeGeometry, JobKind } from './jobs';
import { ThreadPool } from './pool';

/** Below this many floating-point operations a kernel runs on the main thread alone: waking a worker costs ~50 µs. */
const PARALLEL_MIN_FLOPS = 2e6;
/**
 * Tasks a parallel job is cut into: enough for the threads to even out, few enough that the work each task
 * repeats stays small (every task packs all of B, so a matmul task gets at least 32 rows of A).
 */
const MAX_TASKS = 16;
/** Filter gradients sum one partial per task; their number (hence the order of the sums) is fixed by the batch. */
const FILTER_GRAD_TASKS = 8;

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
 * Fast kernels: a cache-blocked GEMM whose register tile is WebAssembly SIMD for float32 (TypeScript for float64),
 * convolutions as GEMMs over an implicit im2col with the bias and ReLU fused, SIMD max-pooling; each job cut into
 * tasks (rows, or images) that every core claims from a fork–join pool.
 */
export function createJsBackend(threads = defaultThreads()): JsBackend {
  const pool = new ThreadPool(threads);

  /**
   * Copies the inputs into the shared memory and runs the job: cut into `tasks` when it is worth running in
   * parallel, else in one piece (for the jobs where the cut changes no value), or as `tasks` on this thread.
   */
  function execute(dtype: DType, inputs: readonly NDArray[], outSize: number, flops: number, tasks: { count: number; fixed?: boolean }, job: (offsets: number[], out: number) => [JobKind, number[]]): { data: Float32Array | Float64Array; out: number } {
    const layout = new Layout();
    const relative = inputs.map((t) => layout.take(t.data.length));
    const outRelative = layout.take(outSize);
    const { data, start } = pool.view(dtype, layout.size);
    const offsets = relative.map((o) => start + o);
    const out = start + outRelative;
    inputs.forEach((t, i) => data.set(t.data, offsets[i]));
    data.fill(0, out, out + outSize);
    const [kind, params] = job(offsets, out);
    const parallel = flops >= PARALLEL_MIN_FLOPS && threads > 1;
    pool.run(kind, params, dtype, parallel || tasks.fixed ? tasks.count : 1, parallel);
    return { data, out };
  }

  function copyOut(dtype: DType, source: { data: Float32Array | Float64Array; out: number }, shape: number[]): NDArray {
    const result = allocate(dtype, shape.reduce((a, b) => a * b, 1), false);
    result.set(source.data.subarray(source.out, source.out + result.length));
    return ndarray(result, shape);
  }

  const convFlops = (g: ConvGeometry): number => 2 * g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
  const byImages = (g: ConvGeometry): { count: number } => ({ count: Math.min(MAX_TASKS, g.batch) });

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
      const run = execute(a.dtype, [a, b], m * n, 2 * m * n * k, { count: Math.max(1, Math.min(MAX_TASKS, Math.floor(m / 32))) }, ([ao, bo], c) => [JobKind.Matmul, [ao, bo, c, m, n, k, Number(transA), Number(transB)]]);
      return copyOut(a.dtype, run, [m, n]);
    },
    conv2d(x, w, g, epilogue) {
      // bias and ReLU are applied by each thread to its rows, in the shared memory, right after its product
      const bias = epilogue?.bias ?? null;
      const inputs = bias ? [x, w, bias] : [x, w];
      const run = execute(x.dtype, inputs, g.batch * g.outH * g.outW * g.outC, convFlops(g), byImages(g), ([xo, wo, bo], y) => [
        JobKind.ConvForward,
        [xo, wo, y, bias ? bo : -1, epilogue?.relu ? 1 : 0, ...encodeGeometry(g)],
      ]);
      return copyOut(x.dtype, run, [g.batch, g.outH, g.outW, g.outC]);
    },
    conv2dInputGrad(dy, w, g) {
      const run = execute(dy.dtype, [dy, w], g.batch * g.inH * g.inW * g.inC, convFlops(g), byImages(g), ([dyo, wo], dx) => [JobKind.ConvInputGrad, [dyo, wo, dx, ...encodeGeometry(g)]]);
      return copyOut(dy.dtype, run, [g.batch, g.inH, g.inW, g.inC]);
    },
    conv2dFilterGrad(x, dy, g) {
      const size = g.kH * g.kW * g.inC * g.outC;
      const tasks = Math.min(FILTER_GRAD_TASKS, g.batch);
      const run = execute(x.dtype, [x, dy], size * tasks, convFlops(g), { count: tasks, fixed: true }, ([xo, dyo], partials) => [JobKind.ConvFilterGrad, [xo, dyo, partials, ...encodeGeometry(g)]]);
      // the partial sums of the tasks, added in task order whichever thread computed them
      const dw = allocate(x.dtype, size);
      for (let task = 0; task < tasks; task++) {
        const from = run.out + task * size;
        for (let i = 0; i < size; i++) dw[i] += run.data[from + i];
      }
      return ndarray(dw, [g.kH, g.kW, g.inC, g.outC]);
    },
    maxPool2d(x, g) {
      const size = g.batch * g.outH * g.outW * g.inC;
      const bytes = x.dtype === 'float64' ? 8 : 4;
      // the winners' indices share the data region: `size` int32 slots at the output's end
      const run = execute(x.dtype, [x], size + Math.ceil((size * 4) / bytes), size * g.kH * g.kW, byImages(g), ([xo], y) => [JobKind.MaxPool, [xo, y, ((y + size) * bytes) / 4, ...encodeGeometry(g)]]);
      const argmaxAt = ((run.out + size) * bytes) / 4;
      const argmax = new Int32Array(run.data.buffer, argmaxAt * 4, size).slice();
      const y = allocate(x.dtype, size, false);
      y.set(run.data.subarray(run.out, run.out + size));
      return { y: ndarray(y, [g.batch, g.outH, g.outW, g.inC]), argmax };
    },
  };
}
