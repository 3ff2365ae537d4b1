import { DType, dtypeOf, newArray, TypedArray } from './dtype';

/**
 * Reuse of the arrays a training step allocates. A step makes the same ~50 arrays of the same sizes every time
 * (activations, masks, gradients: ~45 MB for the original's network at batch 64); making them new each step
 * costs fresh zeroed pages from the system and a garbage collector busy with large buffers. Inside
 * `arena.run(fn)`, every array the kernels allocate is taken from the arena's free lists (zeroed, as a new one
 * would be) and noted; `arena.reclaim(keep)` then returns all of them except `keep` — the arrays that outlive the
 * step (parameters, buffers, optimiser state) — for the next step to reuse.
 *
 * Whoever reclaims vouches that nothing else still reads those arrays: the trainer does, between steps.
 */
export class ArrayArena {
  private readonly free = new Map<string, TypedArray[]>();
  private lent: TypedArray[] = [];
  /** Arrays made new (the rest were reused): after a step's first run, a steady loop makes none. */
  created = 0;
  /** Overwrite reclaimed arrays with NaN, so that a read after reclaim shows (for specs). */
  poison = false;

  /** Runs fn with this arena serving allocations. */
  run<T>(fn: () => T): T {
    const previous = active;
    active = this;
    try {
      return fn();
    } finally {
      active = previous;
    }
  }

  /** A zeroed array (or, with zeroed false, one whose contents the caller overwrites), noted as lent. */
  take(dtype: DType, size: number, zeroed = true): TypedArray {
    const reusable = this.free.get(key(dtype, size))?.pop();
    if (!reusable) this.created++;
    const array = reusable ? (zeroed ? reusable.fill(0) : reusable) : newArray(dtype, size);
    this.lent.push(array);
    return array;
  }

  /** Returns every array lent since the last reclaim, except those in keep; the count returned. */
  reclaim(keep: Iterable<TypedArray>): number {
    const kept = new Set(keep);
    let returned = 0;
    for (const array of this.lent) {
      if (kept.has(array)) continue;
      if (this.poison) array.fill(NaN);
      const k = key(dtypeOf(array), array.length);
      const list = this.free.get(k) ?? [];
      list.push(array);
      this.free.set(k, list);
      returned++;
    }
    this.lent = [];
    return returned;
  }

  /** Bytes held for reuse. */
  get freeBytes(): number {
    let bytes = 0;
    for (const list of this.free.values()) for (const a of list) bytes += a.byteLength;
    return bytes;
  }
}

let active: ArrayArena | null = null;

function key(dtype: DType, size: number): string {
  return `${dtype}:${size}`;
}

/** The arena serving allocations now, if any (read by `allocate`). */
export function activeArena(): ArrayArena | null {
  return active;
}
