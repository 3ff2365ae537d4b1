import { dropDeviceCopy } from './device-copies';
import { DType, dtypeOf, newArray, TypedArray } from './dtype';

/** What an arena lends: the two floating-point dtypes, and int32 for indices (a max-pool's winners). */
export type ArrayKind = DType | 'int32';
export type LentArray = TypedArray | Int32Array;

/**
 * Where an arena makes its arrays. The default is plain typed arrays; a backend whose kernels work on memory of
 * their own (the js backend's shared WebAssembly memory) offers arrays there, which its kernels then read and
 * write in place instead of copying in and out.
 */
export interface ArraySource {
  /** A new zeroed array. */
  make(kind: ArrayKind, size: number): LentArray;
  /** Zeroes an array `make` returned (for reuse). */
  zero(array: LentArray): void;
  /** Takes back an array `make` returned, which nothing will read again. */
  release(array: LentArray): void;
}

const plainArrays: ArraySource = {
  make: (kind, size) => (kind === 'int32' ? new Int32Array(size) : newArray(kind, size)),
  zero: (array) => void array.fill(0),
  release: () => undefined,
};

/**
 * Reuse of the arrays a training step allocates. A step makes the same ~50 arrays of the same sizes every time
 * (activations, masks, gradients: ~45 MB for the original's network at batch 64); making them new each step
 * costs fresh zeroed pages from the system and a garbage collector busy with large buffers. `arena.step(fn, keep)`
 * runs fn with every array the kernels allocate taken from the arena's free lists (zeroed, as a new one would
 * be), then takes all of them back for the next step except `keep`: the arrays that outlive the step (parameters,
 * buffers, optimiser state — lib/nn's `trainingState` lists them). `dispose()` gives the arrays it holds back to
 * their source.
 */
export class ArrayArena {
  private readonly free = new Map<string, LentArray[]>();
  private lent: LentArray[] = [];
  /** Arrays made new (the rest were reused): after a step's first run, a steady loop makes none. */
  created = 0;
  /** Overwrite reclaimed arrays with NaN, so that a read after reclaim shows (for specs). */
  poison = false;

  constructor(private readonly source: ArraySource = plainArrays) {}

  /**
   * One step: fn runs with this arena serving allocations; then every array lent during it, except `keep`, is taken
   * back (also when fn throws). `out` turns fn's result into what the caller holds on to — run outside the arena and
   * before the arrays go back, it can copy them (a batch's embeddings). What fn's result still points at after
   * that is the next step's: read it no more.
   */
  step<T>(fn: () => T, keep?: Iterable<LentArray>): T;
  step<T, R>(fn: () => T, keep: Iterable<LentArray>, out: (result: T) => R): R;
  step<T, R>(fn: () => T, keep: Iterable<LentArray> = [], out?: (result: T) => R): T | R {
    try {
      const result = this.serve(fn);
      return out ? out(result) : result;
    } finally {
      this.reclaim(keep);
    }
  }

  private serve<T>(fn: () => T): T {
    const previous = active;
    active = this;
    try {
      return fn();
    } finally {
      active = previous;
    }
  }

  /**
   * A zeroed array (or, with zeroed false, one whose contents the caller overwrites), noted as lent: what
   * `allocate` and `allocateIndices` return while a step runs.
   */
  lend(kind: ArrayKind, size: number, zeroed = true): LentArray {
    const reusable = this.free.get(key(kind, size))?.pop();
    if (!reusable) this.created++;
    if (reusable && zeroed) this.source.zero(reusable);
    const array = reusable ?? this.source.make(kind, size);
    this.lent.push(array);
    return array;
  }

  /** Returns every array lent since the last reclaim, except those in keep. */
  private reclaim(keep: Iterable<LentArray>): void {
    const kept = new Set(keep);
    for (const array of this.lent) {
      if (kept.has(array)) continue;
      dropDeviceCopy(array); // the next step's values will be new
      if (this.poison) array.fill(array instanceof Int32Array ? -1 : NaN);
      const k = key(kindOf(array), array.length);
      const list = this.free.get(k) ?? [];
      list.push(array);
      this.free.set(k, list);
    }
    this.lent = [];
  }

  /** Gives every array this arena holds for reuse back to its source; lent ones stay with their holders. */
  dispose(): void {
    for (const list of this.free.values()) list.forEach((array) => this.source.release(array));
    this.free.clear();
  }

  /** Bytes held for reuse. */
  get freeBytes(): number {
    let bytes = 0;
    for (const list of this.free.values()) for (const a of list) bytes += a.byteLength;
    return bytes;
  }
}

/** The arena serving allocations now, if any (read by `allocate`). */
let active: ArrayArena | null = null;

function kindOf(array: LentArray): ArrayKind {
  return array instanceof Int32Array ? 'int32' : dtypeOf(array);
}

function key(kind: ArrayKind, size: number): string {
  return `${kind}:${size}`;
}

/**
 * A zeroed array: reused from the arena of a training step when one is running, else new. `zeroed: false` is for
 * the caller that overwrites every element at once (a kernel's output copied in): a reused array is then not
 * cleared first.
 */
export function allocate(dtype: DType, size: number, zeroed = true): TypedArray {
  return (active?.lend(dtype, size, zeroed) as TypedArray | undefined) ?? newArray(dtype, size);
}

/**
 * A zeroed Int32Array of indices (a max-pool's winners), from the running step's arena like `allocate` (and like
 * it, `zeroed: false` for the caller that writes every element).
 */
export function allocateIndices(size: number, zeroed = true): Int32Array {
  return (active?.lend('int32', size, zeroed) as Int32Array | undefined) ?? new Int32Array(size);
}
