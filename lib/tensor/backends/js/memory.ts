import { ArrayKind } from '../../arena';
import { TypedArray } from '../../dtype';
import { zero } from './wasm/conv-kernel';
import { moduleBytes } from './wasm/emit';

export const PAGE_BYTES = 65536;
/** At most 2 GiB of shared memory. */
export const MAX_PAGES = 32768;
/** Blocks start on cache lines, so that no two threads' data share one and vectors load aligned. */
const ALIGN = 64;

const BYTES: Record<ArrayKind, number> = { float32: 4, float64: 8, int32: 4 };

interface Block {
  at: number;
  bytes: number;
}

/**
 * The js backend's memory: one shared WebAssembly.Memory that the main thread, the workers and the kernels all
 * address, with a first-fit allocator over it (free blocks kept sorted and merged). Arrays placed here — a
 * training step's arrays, lent by its ArrayArena — are read and written by the kernels in place; arrays from
 * elsewhere are copied into a temporary block for the length of a kernel.
 *
 * A shared memory never detaches its buffer when it grows: views made before still see their bytes, and new
 * views see the larger buffer. Every buffer object the memory has handed out is remembered, so that `offsetOf`
 * recognises views made at any size.
 */
export class SharedHeap {
  readonly memory: WebAssembly.Memory;
  private readonly free: Block[] = [];
  private top: number;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private views!: { float32: Float32Array; float64: Float64Array; int32: Int32Array };
  /** Zeroes bytes [at, at + count): WebAssembly's memory.fill (TypedArray.fill is slow on a shared buffer). */
  readonly zero: (at: number, count: number) => void;
  /** Kernel calls' temporary blocks. */
  readonly temps = new TempStack(this);

  /** `reserved` bytes at the start are not the heap's (the threads' fixed scratch). */
  constructor(reserved: number) {
    this.top = align(reserved);
    this.memory = new WebAssembly.Memory({
      initial: Math.ceil((this.top + (4 << 20)) / PAGE_BYTES),
      maximum: MAX_PAGES,
      shared: true,
    });
    const module = new WebAssembly.Module(moduleBytes([zero()], MAX_PAGES));
    this.zero = (
      new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as {
        zero: (at: number, count: number) => void;
      }
    ).zero;
    this.refresh();
  }

  /** Views of the whole memory as it is now (new ones after it grew). */
  view(kind: ArrayKind): TypedArray | Int32Array {
    this.refresh();
    return this.views[kind];
  }

  private refresh(): void {
    const buffer = this.memory.buffer;
    if (this.views?.float32.buffer === buffer) return;
    this.buffers.add(buffer);
    this.views = {
      float32: new Float32Array(buffer),
      float64: new Float64Array(buffer),
      int32: new Int32Array(buffer),
    };
  }

  /** A block of at least `bytes`, 64-byte aligned, its contents undefined; its byte offset. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    const i = this.free.findIndex((b) => b.bytes >= size);
    if (i >= 0) {
      const block = this.free[i];
      const at = block.at;
      if (block.bytes === size) this.free.splice(i, 1);
      else [block.at, block.bytes] = [at + size, block.bytes - size];
      return at;
    }
    const at = this.top;
    this.ensure(at + size);
    this.top = at + size;
    return at;
  }

  /** Gives a block back (merged with free neighbours; the end of the heap moves down when it was last). */
  release(at: number, bytes: number): void {
    const size = align(Math.max(bytes, 1));
    let i = 0;
    while (i < this.free.length && this.free[i].at < at) i++;
    this.free.splice(i, 0, { at, bytes: size });
    if (i + 1 < this.free.length && at + size === this.free[i + 1].at) {
      this.free[i].bytes += this.free[i + 1].bytes;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].at + this.free[i - 1].bytes === at) {
      this.free[i - 1].bytes += this.free[i].bytes;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.at + last.bytes === this.top) {
      this.top = last.at;
      this.free.pop();
    }
  }

  /** A new array of `length` elements in this memory, zeroed. */
  array(kind: ArrayKind, length: number): TypedArray | Int32Array {
    const at = this.alloc(length * BYTES[kind]);
    const view = this.view(kind);
    this.zero(at, length * BYTES[kind]);
    return view.subarray(at / BYTES[kind], at / BYTES[kind] + length);
  }

  /** The byte offset of an array in this memory, or -1 when it lives elsewhere. */
  offsetOf(array: ArrayBufferView): number {
    return this.buffers.has(array.buffer) ? array.byteOffset : -1;
  }

  /** Bytes in use (for specs and profiles). */
  get used(): number {
    return this.top - this.free.reduce((sum, b) => sum + b.bytes, 0);
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    } catch {
      throw new Error(
        `js backend: kernels need ${Math.ceil(end / 2 ** 20)} MiB, more than its ${(MAX_PAGES * PAGE_BYTES) / 2 ** 30} GiB memory`,
      );
    }
  }
}

/**
 * The temporary blocks of kernel calls, freed together in the reverse order they were taken (a call's copies of
 * operands, partial sums, tables): a stack over chunks of the heap that are kept for the next calls, so that
 * temporaries never fragment the heap the arrays live in — after the first training step, nothing grows.
 */
export class TempStack {
  private readonly chunks: Array<{ at: number; bytes: number }> = [];
  private chunk = 0;
  private used = 0;

  constructor(private readonly heap: SharedHeap) {}

  /** Where the stack is now, to pop back to. */
  mark(): { chunk: number; used: number } {
    return { chunk: this.chunk, used: this.used };
  }

  /** A block of at least `bytes`, 64-byte aligned; its byte offset. */
  push(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    while (this.chunk < this.chunks.length && this.used + size > this.chunks[this.chunk].bytes)
      [this.chunk, this.used] = [this.chunk + 1, 0];
    if (this.chunk === this.chunks.length) {
      const chunk = Math.max(size, 4 << 20, 2 * (this.chunks[this.chunks.length - 1]?.bytes ?? 0));
      this.chunks.push({ at: this.heap.alloc(chunk), bytes: chunk });
      this.used = 0;
    }
    const at = this.chunks[this.chunk].at + this.used;
    this.used += size;
    return at;
  }

  /** Frees every block pushed since `mark`. */
  pop(mark: { chunk: number; used: number }): void {
    [this.chunk, this.used] = [mark.chunk, mark.used];
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
