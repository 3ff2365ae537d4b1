import * as os from 'node:os';
import { ArraySource } from '../../arena';
import { Backend } from '../../backend';
import { DType, TypedArray } from '../../dtype';
import { Conv2dBackwardArgs, Conv2dGrads, ConvGeometry, Epilogue } from '../../kernels/conv';
import { NDArray, ndarray } from '../../ndarray';
import { PoolResult } from '../../kernels/pool';
import { hostValues } from '../../device-copies';
import { adamUpdateReference, allFiniteReference, updateOnHost } from '../../kernels/optim';
import { directFits, directGradFits, directGradScratch, directOffsets, directScratch, gradRows } from './direct';
import { encodeJob, geometryParams, JobKind, JobParams } from './jobs';
import { ThreadPool } from './pool';
import { hostArrayOps } from '../host';
import { Staging } from './staging';
import { TileSize, winogradFits, WinogradPlan, winogradPlan } from './winograd';

/**
 * Below this many floating-point operations a kernel runs on the main thread alone. A worker polling between jobs
 * starts on a posted one within a microsecond (the median over a training step's jobs), one asleep in ~20 µs, but
 * the fork and join still cost ~10 µs: a 20 µs filter transform took 27 µs on two threads.
 */
const PARALLEL_MIN_FLOPS = 2e6;
/** What a value moved by a memory-bound kernel (pooling) costs, in the FLOPs of a matrix product done meanwhile. */
const FLOPS_PER_VALUE = 20;
/**
 * Tasks a parallel job is cut into: enough for the threads to even out, few enough that the work each task
 * repeats stays small (a matmul task gets at least 32 rows or columns). Jobs that sum partial results per task
 * (filter gradients) always cut into the same number, so the order of their sums depends on the shape alone.
 */
const MAX_TASKS = 16;

/** Which float32 kernels run: WebAssembly SIMD with fused multiply-adds, SIMD without, or plain TypeScript. */
export type KernelKind = 'wasm-simd-fma' | 'wasm-simd' | 'typescript';

export interface JsBackend extends Backend {
  /** Threads the kernels are split over (the main thread included). */
  readonly threads: number;
  /** Whether float32 work runs on the WebAssembly SIMD kernels (else on TypeScript loops). */
  readonly simd: boolean;
  readonly kernel: KernelKind;
  /** The output tile of the Winograd convolutions (F(m×m, 3×3)). */
  readonly winogradTile: TileSize;
  /** Why worker threads could not start, if they could not. */
  readonly startError: string | null;
  readonly arrays: ArraySource;
  /** Bytes of the shared memory in use (arrays, scratch). */
  readonly memoryInUse: number;
  /** Tasks each thread has run so far (the main thread's first): whether the workers really take part. */
  tasksByThread(): number[];
}

export interface JsBackendOptions {
  /** Use relaxed SIMD's fused multiply-add where this Node has it (default true). */
  fma?: boolean;
  /** F(4×4, 3×3) (default: 4× fewer multiplies than direct) or F(2×2, 3×3) (2.25×, a little more accurate). */
  winogradTile?: TileSize;
}

export function defaultThreads(): number {
  const fromEnv = Number(process.env.TRIPLET_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.min(8, Math.max(1, os.availableParallelism()));
}

const convFlops = (g: ConvGeometry): number => 2 * g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;

/**
 * Fast kernels on all cores, over one shared WebAssembly memory: float32 matrix products on a SIMD register tile
 * reading its operands in place; 3×3 convolutions by Winograd's algorithm; convolutions of few input channels
 * directly; max-pooling and its gradient in SIMD; everything else (float64, odd shapes) as a cache-blocked
 * TypeScript GEMM over an implicit im2col. Each job is cut into tasks (images, rows or columns) that every
 * thread claims from a fork–join pool.
 */
export function createJsBackend(threads = defaultThreads(), options: JsBackendOptions = {}): JsBackend {
  const pool = new ThreadPool(threads, { fma: options.fma });
  const heap = pool.heap;
  const tile: TileSize = options.winogradTile ?? 4;
  const wasm = pool.module !== null;
  const fast = (dtype: DType): boolean => dtype === 'float32' && wasm;

  /**
   * Runs a job: in `tasks` tasks on every thread when worth it, else on this one — in one task, or still in `tasks`
   * when the split is 'fixed' (each task writes its own partial sums, so the cut must not depend on the threads).
   */
  function run<K extends JobKind>(
    kind: K,
    params: JobParams<K>,
    dtype: DType,
    flops: number,
    tasks: number,
    split: 'adaptive' | 'fixed' = 'adaptive',
  ): void {
    const parallel = flops >= PARALLEL_MIN_FLOPS && threads > 1;
    pool.run(kind, encodeJob(kind, params), dtype, parallel || split === 'fixed' ? tasks : 1, parallel);
  }

  /** Tasks for an elementwise job over `size` values: one per 4,096 values, at most MAX_TASKS. */
  const byElements = (size: number): number => Math.max(1, Math.min(MAX_TASKS, Math.floor(size / 4096)));

  /**
   * Sums `count` partial results of `size` elements at `at` into the first, in partial order — in slices on
   * every thread when large (a filter gradient's 16 partials are ~4 MB to add), each slice added the same way.
   */
  function sumPartials(s: Staging, at: number, size: number, count: number): void {
    if (fast(s.dtype) && size % 4 === 0) {
      run('sumPartials', { at, size, count }, s.dtype, size * count * FLOPS_PER_VALUE, byElements(size));
      return;
    }
    const data = s.view();
    for (let t = 1; t < count; t++) for (let i = 0; i < size; i++) data[at + i] += data[at + t * size + i];
  }

  /** Copies `size` elements from `at` into an output array. */
  function copyInto(s: Staging, at: number, out: { at: number; array: NDArray }): void {
    const data = s.view();
    data.copyWithin(out.at, at, at + out.array.data.length);
  }

  const byImages = (g: ConvGeometry): number => Math.min(MAX_TASKS, g.batch);

  /**
   * Winograd's transform of inC × outC filters from src to dst (element offsets), or with `back` its adjoint, the
   * filter gradient from ∂U: per filter a 6×3 and a 3×6 product (F(4×4)) sandwiching 3×3 or 6×6 values, cut by
   * input channel over the threads.
   */
  function filterTransform(plan: WinogradPlan, src: number, dst: number, inC: number, outC: number, back: boolean) {
    const flops = inC * outC * 2 * (tile + 2) * 3 * (tile + 2 + 3);
    const params = { src, dst, inC, outC, tile, back: Number(back), pointFloats: plan.pointFloats };
    run('winogradFilter', params, 'float32', flops, Math.min(MAX_TASKS, inC));
  }

  /** A conv layer's 2×2 max-pool can run inside its kernels (else it runs after them, as maxPool2d). */
  function poolFuses(x: NDArray, g: ConvGeometry, p: ConvGeometry): boolean {
    const twoByTwo =
      p.kH === 2 && p.kW === 2 && p.strideH === 2 && p.strideW === 2 && p.padTop === 0 && p.padLeft === 0;
    return fast(x.dtype) && twoByTwo && g.outC % 4 === 0 && (winogradFits(g) || directFits(g));
  }

  /** y = conv2d(x, w) (+ bias, ReLU); with `p`, max-pooled in the same kernels (poolFuses) or after them. */
  function convForward(
    x: NDArray,
    w: NDArray,
    g: ConvGeometry,
    epilogue: Epilogue | undefined,
    p?: ConvGeometry,
  ): NDArray | PoolResult {
    if (p && !poolFuses(x, g, p)) return maxPool2d(convForward(x, w, g, epilogue) as NDArray, p);
    const s = new Staging(heap, x.dtype);
    try {
      const [xAt, wAt] = [s.input(x.data), s.input(w.data)];
      const bias = epilogue?.bias ? s.input(epilogue.bias.data) : 0;
      const relu = epilogue?.relu ? 1 : 0;
      const geometry = geometryParams(g);
      const general = !fast(x.dtype) || !(winogradFits(g) || directFits(g));
      // the layer's output: the conv's (zeroed for the general path, which adds into it), or the pooled one
      const y = p ? null : s.output([g.batch, g.outH, g.outW, g.outC], general);
      const pooled = p ? s.output([p.batch, p.outH, p.outW, p.inC]) : null;
      const argmax = p ? s.indices(pooled!.array.data.length) : null;
      const out = { y: y?.at ?? 0, pooled: pooled?.at ?? 0, argmax: argmax?.at ?? 0 };
      if (fast(x.dtype) && winogradFits(g)) {
        const plan = winogradPlan(g, tile);
        const u = s.temp(plan.points * plan.pointFloats);
        filterTransform(plan, wAt, u, g.inC, g.outC, false);
        const scratch = pool.scratch(plan.scratchBytes);
        run(
          'winogradForward',
          { x: xAt, u, bias, relu, ...out, tile, scratch: scratch.at, stride: scratch.stride, ...geometry },
          x.dtype,
          convFlops(g) / 2,
          byImages(g),
        );
      } else if (fast(x.dtype) && directFits(g)) {
        const scratch = pool.scratch(directScratch(g).bytes);
        const offsets = directTable(s, g);
        run(
          'directForward',
          { x: xAt, w: wAt, bias, relu, ...out, offsets, scratch: scratch.at, stride: scratch.stride, ...geometry },
          x.dtype,
          convFlops(g),
          byImages(g),
        );
      } else {
        run(
          'convForward',
          { x: xAt, w: wAt, y: out.y, bias: epilogue?.bias ? bias : -1, relu, ...geometry },
          x.dtype,
          convFlops(g),
          byImages(g),
        );
      }
      return p ? { y: pooled!.array, argmax: argmax!.array } : y!.array;
    } finally {
      s.done();
    }
  }

  function convBackward(a: Conv2dBackwardArgs): Conv2dGrads {
    const { g } = a;
    const s = new Staging(heap, a.dy.dtype);
    try {
      const pooledFuses = !a.pooled || poolFuses(a.dy, g, a.pooled.g);
      if (fast(a.dy.dtype) && winogradFits(g) && pooledFuses) return winogradBackward(s, a);
      if (fast(a.dy.dtype) && directGradFits(g) && !a.input && pooledFuses) return directBackward(s, a);
      return generalBackward(s, a.pooled ? unpooled(a) : a);
    } finally {
      s.done();
    }
  }

  function winogradBackward(s: Staging, a: Conv2dBackwardArgs): Conv2dGrads {
    const { g } = a;
    const k = pool.main.kernels!;
    const plan = winogradPlan(g, tile);
    const tasks = byImages(g);
    const [x, dy, mask] = [a.filter ? s.input(a.x.data) : 0, s.input(a.dy.data), a.relu ? s.input(a.relu.data) : 0];
    const through = throughParams(s, a);
    const dx = a.input ? s.output([g.batch, g.inH, g.inW, g.inC]) : null;
    let uFlipped = 0;
    if (a.input) {
      // the input gradient is the convolution of dz with the filters turned by 180° and transposed:
      // W'[a][b][co][ci] = W[2 − a][2 − b][ci][co], then their transform
      const w = s.input(a.w.data);
      const flipped = s.temp(9 * g.inC * g.outC);
      for (let tap = 0; tap < 9; tap++)
        k.gather(
          4 * (w + (8 - tap) * g.inC * g.outC),
          4,
          g.outC * 4,
          g.outC,
          g.inC,
          4 * (flipped + tap * g.inC * g.outC),
          g.inC * 4,
          4,
          0,
        );
      uFlipped = s.temp(plan.points * plan.pointFloats);
      filterTransform(plan, flipped, uFlipped, g.outC, g.inC, false);
    }
    const dUSize = plan.points * plan.pointFloats;
    const dU = a.filter ? s.temp(tasks * dUSize) : 0;
    const db = a.bias ? s.temp(tasks * g.outC, 4, true) : 0;
    const scratch = pool.scratch(plan.scratchBytes);
    const params = {
      x,
      dy,
      mask,
      ...through,
      uFlipped,
      dx: dx?.at ?? 0,
      dU,
      db,
      tile,
      scratch: scratch.at,
      stride: scratch.stride,
      ...geometryParams(g),
    };
    run('winogradBackward', params, a.dy.dtype, convFlops(g), tasks, 'fixed');
    let dw: NDArray | null = null;
    if (a.filter) {
      sumPartials(s, dU, dUSize, tasks);
      const out = s.output([3, 3, g.inC, g.outC]);
      filterTransform(plan, dU, out.at, g.inC, g.outC, true);
      dw = out.array;
    }
    return { dx: dx?.array ?? null, dw, db: a.bias ? biasGrad(s, db, g.outC, tasks) : null };
  }

  /** A fused pooling's winners and values for the backward kernels (element offsets; 0: none). */
  function throughParams(s: Staging, a: Conv2dBackwardArgs): { pooled: number; argmax: number; relu: number } {
    if (!a.pooled) return { pooled: 0, argmax: 0, relu: 0 };
    return { pooled: s.input(a.pooled.y.data), argmax: s.input(a.pooled.argmax), relu: a.pooled.relu ? 1 : 0 };
  }

  /** The general path's question without the pooling: dy back to the winners (where > 0 with relu), full size. */
  function unpooled(a: Conv2dBackwardArgs): Conv2dBackwardArgs {
    const p = a.pooled!;
    const masked = p.relu
      ? ndarray(
          a.dy.data.map((v, i) => (p.y.data[i] > 0 ? v : 0)),
          a.dy.shape,
        )
      : a.dy;
    return { ...a, dy: maxPool2dGrad(masked, p.argmax, p.g), relu: null, pooled: undefined };
  }

  /** The bias gradient from `tasks` partial sums at `at`. */
  function biasGrad(s: Staging, at: number, channels: number, tasks: number): NDArray {
    sumPartials(s, at, channels, tasks);
    const out = s.output([channels]);
    copyInto(s, at, out);
    return out.array;
  }

  function directBackward(s: Staging, a: Conv2dBackwardArgs): Conv2dGrads {
    const { g } = a;
    const tasks = byImages(g);
    const rows = gradRows(g);
    const partialSize = g.kH * rows * g.outC; // per task: [kH][rows][outC], the rows past kW·inC padding
    const dw = s.temp(tasks * partialSize);
    const db = s.temp(tasks * g.outC, 4, true);
    const scratch = pool.scratch(directGradScratch(g).bytes);
    const [x, dy, mask] = [s.input(a.x.data), s.input(a.dy.data), a.relu ? s.input(a.relu.data) : 0];
    run(
      'directFilterGrad',
      {
        x,
        dy,
        mask,
        ...throughParams(s, a),
        dw,
        db,
        scratch: scratch.at,
        stride: scratch.stride,
        ...geometryParams(g),
      },
      a.dy.dtype,
      convFlops(g),
      tasks,
      'fixed',
    );
    let filter: NDArray | null = null;
    if (a.filter) {
      sumPartials(s, dw, partialSize, tasks);
      const out = s.output([g.kH, g.kW, g.inC, g.outC]);
      const block = g.kW * g.inC * g.outC;
      for (let row = 0; row < g.kH; row++)
        s.view().copyWithin(out.at + row * block, dw + row * rows * g.outC, dw + row * rows * g.outC + block);
      filter = out.array;
    }
    return { dx: null, dw: filter, db: a.bias ? biasGrad(s, db, g.outC, tasks) : null };
  }

  /** The direct kernels' table of filter entries' offsets, in a temporary block (int32 elements). */
  function directTable(s: Staging, g: ConvGeometry): number {
    const table = directOffsets(g);
    const at = s.temp(table.length, 4);
    heap.view('int32').set(table, at);
    return at;
  }

  /** Any geometry, any dtype: dz through the ReLU here, then the implicit-im2col products. */
  function generalBackward(s: Staging, a: Conv2dBackwardArgs): Conv2dGrads {
    const { g } = a;
    const data = (): TypedArray => s.view();
    let dz = s.input(a.dy.data);
    if (a.relu) {
      const [y, masked] = [s.input(a.relu.data), s.temp(a.dy.data.length)];
      const view = data();
      for (let i = 0; i < a.dy.data.length; i++) view[masked + i] = view[y + i] > 0 ? view[dz + i] : 0;
      dz = masked;
    }
    const geometry = geometryParams(g);
    let dx: NDArray | null = null;
    if (a.input) {
      const out = s.output([g.batch, g.inH, g.inW, g.inC], true);
      run(
        'convInputGrad',
        { dy: dz, w: s.input(a.w.data), dx: out.at, ...geometry },
        s.dtype,
        convFlops(g),
        byImages(g),
      );
      dx = out.array;
    }
    let dw: NDArray | null = null;
    if (a.filter) {
      const size = g.kH * g.kW * g.inC * g.outC;
      const tasks = Math.min(8, g.batch);
      const partials = s.temp(size * tasks, undefined, true);
      run(
        'convFilterGrad',
        { x: s.input(a.x.data), dy: dz, partials, ...geometry },
        s.dtype,
        convFlops(g),
        tasks,
        'fixed',
      );
      sumPartials(s, partials, size, tasks);
      const out = s.output([g.kH, g.kW, g.inC, g.outC]);
      copyInto(s, partials, out);
      dw = out.array;
    }
    let db: NDArray | null = null;
    if (a.bias) {
      const sums = new Float64Array(g.outC);
      const view = data();
      for (let i = 0; i < a.dy.data.length; i++) sums[i % g.outC] += view[dz + i];
      const out = s.output([g.outC]);
      view.set(sums, out.at);
      db = out.array;
    }
    return { dx, dw, db };
  }

  function maxPool2d(x: NDArray, g: ConvGeometry): PoolResult {
    const s = new Staging(heap, x.dtype);
    try {
      const size = g.batch * g.outH * g.outW * g.inC;
      const [xAt, y, argmax] = [s.input(x.data), s.output([g.batch, g.outH, g.outW, g.inC]), s.indices(size)];
      run(
        'maxPool',
        { x: xAt, y: y.at, argmax: argmax.at, ...geometryParams(g) },
        x.dtype,
        size * g.kH * g.kW * FLOPS_PER_VALUE,
        byImages(g),
      );
      return { y: y.array, argmax: argmax.array };
    } finally {
      s.done();
    }
  }

  function maxPool2dGrad(dy: NDArray, argmax: Int32Array, g: ConvGeometry): NDArray {
    const s = new Staging(heap, dy.dtype);
    try {
      const dx = s.output([g.batch, g.inH, g.inW, g.inC]);
      run(
        'maxPoolGrad',
        { dy: s.input(dy.data), argmax: s.input(argmax), dx: dx.at, ...geometryParams(g) },
        dy.dtype,
        dx.array.data.length * FLOPS_PER_VALUE,
        byImages(g),
      );
      return dx.array;
    } finally {
      s.done();
    }
  }

  const arrays: ArraySource = {
    make: (kind, size) => heap.array(kind, size),
    zero: (array) => heap.zero(array.byteOffset, array.byteLength),
    release: (array) => heap.release(array.byteOffset, array.byteLength),
  };

  /** Whether every value of the array is finite: SIMD over its whole vectors, the loop over the rest. */
  function allFinite(array: TypedArray): boolean {
    const data = hostValues(array);
    const whole = data.length - (data.length % 4);
    if (!fast(data instanceof Float64Array ? 'float64' : 'float32') || whole === 0) return allFiniteReference(data);
    const s = new Staging(heap, 'float32');
    try {
      const [at, out] = [s.input(data), s.temp(1, 4)];
      pool.main.kernels!.finite(4 * at, whole, 4 * out);
      return heap.view('int32')[out] === 1 && allFiniteReference(data, whole);
    } finally {
      s.done();
    }
  }

  return {
    name: 'js',
    threads,
    simd: wasm,
    kernel: !wasm ? 'typescript' : pool.fma ? 'wasm-simd-fma' : 'wasm-simd',
    winogradTile: tile,
    get startError() {
      return pool.startError;
    },
    get memoryInUse() {
      return heap.used;
    },
    tasksByThread: () => pool.tasksByThread(),
    describe() {
      const kernels = {
        'wasm-simd-fma': 'WebAssembly SIMD with fused multiply-adds',
        'wasm-simd': 'WebAssembly SIMD (no relaxed SIMD here: multiply, then add)',
        typescript: 'TypeScript loops (no WebAssembly SIMD here)',
      }[this.kernel];
      return `js (${threads} thread${threads === 1 ? '' : 's'}, ${kernels}${wasm ? `, 3×3 convolutions by Winograd F(${tile}×${tile}, 3×3)` : ''})`;
    },
    arrays,
    matmul(a, b, transA, transB) {
      const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const n = transB ? b.shape[0] : b.shape[1];
      const s = new Staging(heap, a.dtype);
      try {
        const [aAt, bAt] = [s.input(a.data), s.input(b.data)];
        // the TypeScript tile and an empty k add into C: zeroed first
        const c = s.output([m, n], !fast(a.dtype) || k === 0);
        // wide and short (a dense layer's input gradient): columns to the tasks, so each packs only its own
        const byColumns = fast(a.dtype) && n > m ? 1 : 0;
        const tasks = Math.max(1, Math.min(MAX_TASKS, Math.floor((byColumns ? n : m) / 32)));
        if (k > 0)
          run(
            'matmul',
            { a: aAt, b: bAt, c: c.at, m, n, k, transA: Number(transA), transB: Number(transB), byColumns },
            a.dtype,
            2 * m * n * k,
            tasks,
          );
        return c.array;
      } finally {
        s.done();
      }
    },
    conv2d: (x, w, g, epilogue) => convForward(x, w, g, epilogue) as NDArray,
    conv2dPool: (x, w, g, epilogue, p) => convForward(x, w, g, epilogue, p) as PoolResult,
    conv2dBackward: convBackward,
    maxPool2d,
    maxPool2dGrad,
    adamUpdate(update) {
      const u = updateOnHost(update);
      const size = u.theta.length;
      const whole = size - (size % 4);
      if (!fast(u.theta instanceof Float64Array ? 'float64' : 'float32') || whole === 0) return adamUpdateReference(u);
      const s = new Staging(heap, 'float32');
      try {
        const [theta, m, v, grad] = [s.inout(u.theta), s.inout(u.m), s.inout(u.v), s.input(u.grad)];
        const constants = s.temp(6);
        s.view().set([u.beta1, 1 - u.beta1, u.beta2, 1 - u.beta2, u.lrT, u.epsilon], constants);
        run(
          'adam',
          { theta, grad, m, v, count: whole, constants },
          'float32',
          whole * FLOPS_PER_VALUE,
          byElements(whole),
        );
      } finally {
        s.done();
      }
      adamUpdateReference(u, whole, size); // the last few, when the size is not a multiple of 4
    },
    firstNonFinite: (arrays) => arrays.findIndex((array) => !allFinite(array)),
    // elementwise ops, reductions and layout are memory-bound and small in this network: the plain loops
    ...hostArrayOps,
  };
}
