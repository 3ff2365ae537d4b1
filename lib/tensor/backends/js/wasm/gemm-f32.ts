import { KC, MC, NC, Packers } from '../gemm';
import { WASM_MR, WASM_NR } from './kernel';

/** A thread's view of the shared WebAssembly memory: its kernels, and where its packing buffers are. */
export interface WasmThread {
  /** The whole memory as float32; every offset below is an index into it. */
  memory: Float32Array;
  tiles: (a: number, b: number, kc: number, panels: number, c: number, ldc: number) => void;
  finish: (y: number, rows: number, channels: number, bias: number, relu: number) => void;
  maxpool: (...args: number[]) => void;
  aPack: number;
  bPack: number;
  /** A 4×8 tile of this thread's own, for the edge rows. */
  edge: number;
}

/** C[rows × cols] += A-panel · B-panel for a tile the SIMD kernel does not cover (the matrix edges). */
function edgeTile(m: Float32Array, a: number, b: number, kc: number, c: number, ldc: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < kc; k++) s += m[a + r * kc + k] * m[b + k * WASM_NR + j];
      m[c + r * ldc + j] += s;
    }
  }
}

/**
 * C[rows < 4 × 8] += A-panel · B-panel on the SIMD kernel: the full 4-row panel goes to the kernel with a tile of
 * this thread as C (a row of C depends on its row of A only, so whatever the padding rows hold stays there), and
 * the rows that exist are added to C.
 */
function edgeRows(t: WasmThread, a: number, b: number, kc: number, c: number, ldc: number, rows: number): void {
  const m = t.memory;
  m.fill(0, t.edge, t.edge + WASM_MR * WASM_NR);
  t.tiles(4 * a, 4 * b, kc, 1, 4 * t.edge, 4 * WASM_NR);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < WASM_NR; j++) m[c + r * ldc + j] += m[t.edge + r * WASM_NR + j];
  }
}

/**
 * The float32 GEMM on the WebAssembly SIMD kernel, blocked like the TypeScript one: C (in the same memory, from
 * element `c`, row stride `ldc`) += A·B for rows [m0, m1). Packing stays in TypeScript (A row by row, mostly
 * plain copies; B 8 columns per k); the full 4×8 tiles of a block go to the kernel in one call, edge rows too
 * (through a tile of the thread's own); edge columns take the small loop above.
 */
export function gemmF32(m0: number, m1: number, n: number, k: number, packers: Packers, c: number, ldc: number, t: WasmThread): void {
  const mem = t.memory;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      for (let jp = 0; jp < nc; jp += WASM_NR) packers.packB(k0, kc, j0 + jp, mem.subarray(t.bPack + jp * kc, t.bPack + (jp + WASM_NR) * kc), 0, WASM_NR);
      for (let i0 = m0; i0 < m1; i0 += MC) {
        const mc = Math.min(MC, m1 - i0);
        // a view per panel: measured faster here than offsets into the whole memory once the workers pack too
        for (let ip = 0; ip < mc; ip += WASM_MR) packers.packA(i0 + ip, k0, kc, mem.subarray(t.aPack + ip * kc, t.aPack + (ip + WASM_MR) * kc), 0, kc, 1);
        const panels = Math.floor(mc / WASM_MR);
        const lastRows = mc % WASM_MR;
        for (let jp = 0; jp < nc; jp += WASM_NR) {
          const cols = Math.min(WASM_NR, nc - jp);
          const b = t.bPack + jp * kc;
          const cTile = c + i0 * ldc + j0 + jp;
          if (cols === WASM_NR && panels > 0) t.tiles(4 * t.aPack, 4 * b, kc, panels, 4 * cTile, 4 * ldc);
          else for (let p = 0; p < panels; p++) edgeTile(mem, t.aPack + p * WASM_MR * kc, b, kc, cTile + p * WASM_MR * ldc, ldc, WASM_MR, cols);
          const lastPanel = t.aPack + panels * WASM_MR * kc;
          if (lastRows > 0 && cols === WASM_NR) edgeRows(t, lastPanel, b, kc, cTile + panels * WASM_MR * ldc, ldc, lastRows);
          else if (lastRows > 0) edgeTile(mem, lastPanel, b, kc, cTile + panels * WASM_MR * ldc, ldc, lastRows, cols);
        }
      }
    }
  }
}
