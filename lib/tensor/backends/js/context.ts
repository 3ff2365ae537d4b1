import { DType, TypedArray } from '../../dtype';
import { GemmScratch, KC, MC, NC } from './gemm';
import { instantiate, Kernels } from './wasm/module';

/**
 * The memory's first bytes are always zero: the bias of a convolution without one, the padding a kernel reads
 * instead of a missing value. Nothing is ever written there (offset 0 also means "none" to the kernels).
 */
export const ZERO_BYTES = 16384;

/**
 * Each thread's fixed scratch, after the zero block: a packed block of B (KC × NC), a short panel of A, an edge
 * tile of C, the intermediate of a Winograd transform (up to 6×6 vectors), and the general convolution's
 * input-gradient chunk (byte sizes).
 */
export const SCRATCH = (() => {
  const bPack = KC * NC * 4;
  const aPack = 4 * KC * 4;
  const edge = MC * 8 * 4;
  const tmp = 4096;
  const chunk = 2 << 20;
  const at = {
    bPack: 0,
    aPack: bPack,
    edge: bPack + aPack,
    tmp: bPack + aPack + edge,
    chunk: bPack + aPack + edge + tmp,
  };
  return { ...at, chunkBytes: chunk, bytes: at.chunk + chunk };
})();

/** Where the heap starts: after the zero block and every thread's scratch. */
export function reservedBytes(threads: number): number {
  return ZERO_BYTES + threads * SCRATCH.bytes;
}

/** A thread's fixed scratch, as byte offsets. */
export interface ThreadScratch {
  bPack: number;
  aPack: number;
  edge: number;
  tmp: number;
  chunk: number;
}

/**
 * What a thread computes with: the kernel module instantiated on the shared memory (float32 work), views of the
 * memory in each dtype (the TypeScript paths), the offsets of its own scratch, and private TypeScript buffers
 * (float64 work).
 */
export class ThreadContext {
  readonly gemm = new GemmScratch();
  chunk64 = new Float64Array(0);
  views!: { float32: Float32Array; float64: Float64Array; int32: Int32Array };
  readonly kernels: Kernels | null;
  readonly scratch: ThreadScratch;
  private length = -1;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly index: number,
    module: WebAssembly.Module | null,
  ) {
    this.kernels = module ? instantiate(module, memory) : null;
    const base = ZERO_BYTES + index * SCRATCH.bytes;
    this.scratch = {
      bPack: base + SCRATCH.bPack,
      aPack: base + SCRATCH.aPack,
      edge: base + SCRATCH.edge,
      tmp: base + SCRATCH.tmp,
      chunk: base + SCRATCH.chunk,
    };
    this.refresh();
  }

  /** Views are fixed-length: after the memory grew (in any thread), make new ones. */
  refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer.byteLength === this.length) return;
    this.length = buffer.byteLength;
    this.views = {
      float32: new Float32Array(buffer),
      float64: new Float64Array(buffer),
      int32: new Int32Array(buffer),
    };
  }

  view(dtype: DType): TypedArray {
    return this.views[dtype];
  }
}
