import { DType, TypedArray } from '../../dtype';
import { GemmScratch, KC, MC, NC } from './gemm';
import { kernelModule } from './wasm/kernel';
import { WasmThread } from './wasm/gemm-f32';

/** The shared memory of the pool: at most 2 GiB, in pages of 64 KiB. */
export const MAX_PAGES = 32768;
export const PAGE_BYTES = 65536;

/**
 * Each thread's private region at the start of the memory: A and B packing buffers, one 4×8 tile for the edge
 * rows of a block, the input-gradient chunk.
 */
export const SCRATCH = (() => {
  const aPack = KC * MC * 4;
  const bPack = KC * NC * 4;
  const edge = 4 * 8 * 4;
  const chunk = 2 << 20;
  return { aPack: 0, bPack: aPack, edge: aPack + bPack, chunk: aPack + bPack + edge, chunkBytes: chunk, bytes: aPack + bPack + edge + chunk };
})();

/** Where the data of the jobs starts: after every thread's scratch, 8-byte aligned. */
export function arenaByte(threads: number): number {
  return threads * SCRATCH.bytes;
}

let compiled: WebAssembly.Module | null | undefined;

/** The SIMD kernel module, compiled once per thread; null where WebAssembly SIMD is not available. */
function kernel(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = kernelModule(MAX_PAGES);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/**
 * What a thread computes with: views of the shared memory in both dtypes, the WebAssembly kernel bound to that
 * memory (float32 work), and private TypeScript buffers (float64 work, or no WebAssembly).
 */
export class ThreadContext {
  readonly gemm = new GemmScratch();
  chunk64 = new Float64Array(0);
  views!: { float32: Float32Array; float64: Float64Array; int32: Int32Array };
  wasm: WasmThread | null = null;
  private readonly kernels: Pick<WasmThread, 'tiles' | 'finish' | 'maxpool'> | null;
  private length = -1;

  constructor(readonly memory: WebAssembly.Memory, readonly index: number) {
    const module = kernel();
    this.kernels = module ? (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Pick<WasmThread, 'tiles' | 'finish' | 'maxpool'>) : null;
    this.refresh();
  }

  /** Views are fixed-length: after the memory grew (in any thread), make new ones. */
  refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer.byteLength === this.length) return;
    this.length = buffer.byteLength;
    this.views = { float32: new Float32Array(buffer), float64: new Float64Array(buffer), int32: new Int32Array(buffer) };
    const base = (this.index * SCRATCH.bytes) / 4;
    const offsets = { aPack: base + SCRATCH.aPack / 4, bPack: base + SCRATCH.bPack / 4, edge: base + SCRATCH.edge / 4 };
    this.wasm = this.kernels ? { memory: this.views.float32, ...this.kernels, ...offsets } : null;
  }

  view(dtype: DType): TypedArray {
    return this.views[dtype];
  }

  /** This thread's input-gradient chunk in the shared memory (float32 elements). */
  chunk32(): { at: number; capacity: number } {
    return { at: (this.index * SCRATCH.bytes + SCRATCH.chunk) / 4, capacity: SCRATCH.chunkBytes / 4 };
  }
}
