import { ArrayArena, ArraySource } from './arena';
import { ValueError } from './errors';
import { TypedArray } from './dtype';
import { Conv2dBackwardArgs, Conv2dGrads, ConvGeometry, Epilogue } from './kernels/conv';
import { Formula } from './kernels/elementwise';
import { AdamUpdate } from './kernels/optim';
import { PoolResult } from './kernels/pool';
import { Reduction } from './kernels/reduce';
import { FusedLossSums, LabelMasks, TermOptions } from './kernels/triplet';
import { Walk } from './kernels/layout';
import { NDArray } from './ndarray';

/**
 * The kernels, behind one interface so that faster implementations can stand in for the reference loops: the hot
 * ones (matmul, the convolutions, pooling, Adam), and the array ops around them (elementwise, reductions, layout),
 * which a backend on a device runs there so that values need not come home between kernels. Shapes arrive
 * already checked; a backend only computes.
 */
export interface Kernels {
  matmul(a: NDArray, b: NDArray, transA: boolean, transB: boolean): NDArray;
  /** y = x ⋆ w, then (if given) y + bias per output channel and max(y, 0): the fused epilogue. */
  conv2d(x: NDArray, w: NDArray, g: ConvGeometry, epilogue?: Epilogue): NDArray;
  /**
   * y = maxPool(conv2d(x, w, epilogue)) over `pool`'s windows: a conv layer ending in a max-pool, in one pass (its
   * full-size output need never be stored), with each window's winner for the backward pass.
   */
  conv2dPool(x: NDArray, w: NDArray, g: ConvGeometry, epilogue: Epilogue | undefined, pool: ConvGeometry): PoolResult;
  /** A conv layer's backward pass, through its ReLU (and pooling): the gradients of the input, filters and bias asked for. */
  conv2dBackward(args: Conv2dBackwardArgs): Conv2dGrads;
  maxPool2d(x: NDArray, g: ConvGeometry): PoolResult;
  /** The adjoint of max-pooling: each output's gradient to the element that won its window. */
  maxPool2dGrad(dy: NDArray, argmax: Int32Array, g: ConvGeometry): NDArray;
  /** The optimiser's update of one parameter, in place (kernels/optim.ts has the formula). */
  adamUpdate(update: AdamUpdate): void;
  /**
   * The index of the first array holding a NaN or an infinity, or −1 when every value is finite: the trainer's
   * check of a step's gradients before the update (one answer for them all, so a device is asked once).
   */
  firstNonFinite(arrays: readonly TypedArray[]): number;
  /** y = f(x) elementwise: `formula` a scalar expression in `a` and the constants `c`, `d` (kernels/elementwise.ts). */
  map(x: NDArray, formula: Formula, c: number, d: number): NDArray;
  /** z = f(x, y) elementwise, in `a` and `b`, x and y broadcast together (`op` names the caller in an error). */
  zip(x: NDArray, y: NDArray, formula: Formula, op: string): NDArray;
  /** The sum, max or min over `axes` (sorted), which the result keeps with size 1 (kernels/reduce.ts). */
  reduce(x: NDArray, axes: readonly number[], kind: Reduction, op: string): NDArray;
  /** x read along a walk through its memory: a transpose, a slice, a broadcast, a diagonal (kernels/layout.ts). */
  strided(x: NDArray, walk: Walk): NDArray;
  /** A rows×cols matrix with v on its main diagonal and zeros elsewhere: the adjoint of the diagonal's walk. */
  diagMatrix(v: NDArray, rows: number, cols: number): NDArray;
  /** Batch-all on the distances D [B,B]: its loss, counts and gradient, in one pass (kernels/triplet.ts). */
  tripletBatchAll(d: NDArray, labels: Int32Array, term: TermOptions, withGrad: boolean): FusedLossSums;
  /** Semi-hard on D: each anchor–positive pair with its semi-hard negative; its loss, #pairs and gradient. */
  tripletSemiHard(d: NDArray, labels: Int32Array, term: TermOptions, withGrad: boolean): FusedLossSums;
  /** The anchor–positive and anchor–negative masks of the labels, in `like`'s dtype (and where it is). */
  labelMasks(labels: Int32Array, like: NDArray): LabelMasks;
}

/** What crossed between the host and a backend's device, and how many kernels it launched, since it started. */
export interface DeviceTraffic {
  uploads: number;
  uploadBytes: number;
  readbacks: number;
  readbackBytes: number;
  launches: number;
  /** Milliseconds this thread waited for the device (in reads: until the work before them was done). */
  waitMs: number;
  /** Kernels compiled for the device (a new kernel, or a shape the cache no longer held), as of its last answer. */
  compiles: number;
}

/** No traffic yet: where a count starts. */
export function noTraffic(): DeviceTraffic {
  return { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, launches: 0, waitMs: 0, compiles: 0 };
}

/** The traffic between two readings of `traffic()`, added to `into` (a new count by default). */
export function trafficBetween(before: DeviceTraffic, after: DeviceTraffic, into = noTraffic()): DeviceTraffic {
  for (const key of Object.keys(into) as Array<keyof DeviceTraffic>) into[key] += after[key] - before[key];
  return into;
}

/** A backend: the kernels, and what it says about itself. */
export interface Backend extends Kernels {
  readonly name: string;
  /** Where a step's arena should make arrays for these kernels to use in place (none: plain arrays). */
  readonly arrays?: ArraySource;
  /** What actually runs, in words ("js (2 threads, WebAssembly SIMD with fused multiply-adds, …)"). */
  describe?(): string;
  /** Tasks each thread has run so far, where the backend spreads kernels over threads. */
  tasksByThread?(): number[];
  /** Where the backend computes on a device of its own: what moved to and from it so far. */
  traffic?(): DeviceTraffic;
  /**
   * Where the backend computes on a device of its own: the array, with its values copied there too (until the
   * host reads it, which may write it) — as PyTorch's `.to(device)`, so that the ops on it run there.
   */
  place?(x: NDArray): NDArray;
  /**
   * Where the backend computes on a device of its own: brings these arrays' values to the host together, in one
   * transfer, where reading each would cost a round trip (the scalars a training step logs).
   */
  fetch?(arrays: readonly NDArray[]): void;
}

export type KernelName = keyof Kernels;

/**
 * Every kernel, with how the profile names it. The one list of kernels: a record over the interface, so a kernel
 * added to `Kernels` and left out here is a type error, and whatever goes through the list (the profiler, the
 * backend checks' count of what they exercised) sees every kernel.
 */
export const KERNELS: Readonly<Record<KernelName, string>> = {
  matmul: 'matmul (dense, distances)',
  conv2d: 'conv2d forward (+ bias, relu)',
  conv2dPool: 'conv2d forward (+ bias, relu, max-pool)',
  conv2dBackward: 'conv2d backward',
  maxPool2d: 'max-pool',
  maxPool2dGrad: 'max-pool gradient',
  adamUpdate: 'Adam update',
  firstNonFinite: 'finite check',
  map: 'elementwise (one operand)',
  zip: 'elementwise (two, broadcast)',
  reduce: 'reduction (sum, max, min)',
  strided: 'layout (transpose, slice, broadcast, diagonal)',
  diagMatrix: 'diagonal matrix',
  tripletBatchAll: 'batch-all triplet loss',
  tripletSemiHard: 'semi-hard triplet loss',
  labelMasks: 'label masks',
};

export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/**
 * The backend with every kernel call passed through `around(name, args, call)` (which must return `call()`'s
 * result): how the profiler times kernels and the backend checks count them.
 */
export function aroundKernels(
  backend: Backend,
  around: (name: KernelName, args: unknown[], call: () => unknown) => unknown,
): Backend {
  const wrapped = Object.fromEntries(
    KERNEL_NAMES.map((name) => [
      name,
      (...args: unknown[]) =>
        around(name, args, () => (backend[name] as (...a: unknown[]) => unknown).apply(backend, args)),
    ]),
  );
  return { ...backend, name: backend.name, ...wrapped } as Backend;
}

export interface BackendOptions {
  /** For the gpu backend: which gpu.js mode ('webgpu', 'headlessgl', 'webasm', 'cpu'). */
  gpuMode?: string;
}

/**
 * Makes a backend, or explains in one line why it cannot start here (no GPU API, a missing native package),
 * in which case selection falls back to the CPU default and says so.
 */
export type BackendFactory = (options: BackendOptions) => Backend;

export class BackendUnavailable extends Error {}

export const BACKEND_NAMES = ['reference', 'js', 'gpu'] as const;
export const DEFAULT_BACKEND = 'js';

const factories = new Map<string, BackendFactory>();
let current: Backend | null = null;
let notice: (message: string) => void = (message) => console.error(`triplet: ${message}`);

export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

/** Where a fallback is announced (stderr by default); never a silent switch. */
export function onBackendNotice(handler: (message: string) => void): void {
  notice = handler;
}

/**
 * Selects the backend every op uses from now on: 'reference' (plain loops, exact), 'js' (fast TypeScript on all
 * cores, the default) or 'gpu' (gpu.js). Returns the backend actually in use: one that cannot start says why and
 * falls back to 'js'.
 */
export function setBackend(name: string, options: BackendOptions = {}): Backend {
  const factory = factories.get(name);
  if (!factory) throw new ValueError(`unknown backend '${name}' (known: ${[...factories.keys()].join(', ')})`);
  try {
    current = factory(options);
  } catch (error) {
    if (!(error instanceof BackendUnavailable) || name === DEFAULT_BACKEND) throw error;
    notice(`backend '${name}' is unavailable (${error.message}); using '${DEFAULT_BACKEND}' instead`);
    current = factories.get(DEFAULT_BACKEND)!(options);
  }
  return current;
}

/** The backend in use; on first use, the one named by TRIPLET_BACKEND (and TRIPLET_GPU_MODE), or 'js'. */
export function getBackend(): Backend {
  if (current === null) {
    const fromEnv = process.env.TRIPLET_BACKEND;
    const name = fromEnv === undefined || fromEnv === '' ? DEFAULT_BACKEND : fromEnv;
    if (!factories.has(name))
      throw new ValueError(`TRIPLET_BACKEND: unknown backend '${name}' (known: ${[...factories.keys()].join(', ')})`);
    setBackend(name, { gpuMode: process.env.TRIPLET_GPU_MODE || undefined });
  }
  return current!;
}

/** Puts a backend object in use directly (a wrapper around another, such as the profiler's). */
export function useBackend(backend: Backend): void {
  current = backend;
}

/** Runs fn with another backend selected, then restores the previous one (even after a throw). */
export function withBackend<T>(name: string, fn: () => T): T {
  const previous = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/**
 * An arena for a loop of steps (training, embedding a data set) that makes its arrays where the backend in use
 * works on them in place: the js backend's shared memory, so that no kernel copies its operands in or out.
 * `dispose()` it when the loop ends.
 */
export function stepArena(): ArrayArena {
  return new ArrayArena(getBackend().arrays);
}
