import { ThreadScratch } from '../context';
import { KC, MC, NC } from '../gemm';
import { WASM_MR, WASM_NR } from './gemm-kernel';
import { Kernels } from './module';

/** A matrix in the shared memory: the byte offset of element (0, 0) and the byte strides between rows and columns. */
export interface StridedMatrix {
  at: number;
  row: number;
  col: number;
}

/** What the float32 GEMM needs of a thread: the kernels and its scratch. */
export interface GemmThread {
  kernels: Kernels;
  scratch: ThreadScratch;
}

/**
 * The float32 GEMM on the WebAssembly SIMD kernel: C[i, j] (+)= Σ_k A[i, k]·B[k, j] for rows [m0, m1) and
 * columns [n0, n1) of C (C's columns contiguous). Blocked as Goto & van de Geijn's: k in blocks of KC (the
 * first block stores unless `accumulate`, the next ones add), rows in blocks of MC that stay in L2 while every
 * 8-column panel of B passes over them.
 *
 * A is read where it lies, whatever its strides: the kernel splats one value of each of four rows per k. B is
 * read in place when its columns are contiguous; otherwise (a transposed B) each KC × 8 panel is gathered into
 * the thread's packing buffer first. Edges: a last panel of fewer than 8 columns goes through a tile of the
 * thread's own (padding columns zero), a last group of fewer than 4 rows through a zero-padded copy.
 */
export function gemmF32(
  t: GemmThread,
  A: StridedMatrix,
  B: StridedMatrix,
  C: StridedMatrix,
  range: { m0: number; m1: number; n0: number; n1: number; k: number },
  accumulate: boolean,
): void {
  const { m0, m1, n0, n1, k } = range;
  const { kernels: w, scratch } = t;
  for (let j0 = n0; j0 < n1; j0 += NC) {
    const nc = Math.min(NC, n1 - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      const add = accumulate || k0 > 0 ? 1 : 0;
      const packed = B.col !== 4;
      if (packed)
        for (let jp = 0; jp < nc; jp += WASM_NR)
          packPanel(t, B, k0, kc, j0 + jp, Math.min(WASM_NR, nc - jp), scratch.bPack + jp * kc * 4);
      for (let i0 = m0; i0 < m1; i0 += MC) {
        const mc = Math.min(MC, m1 - i0);
        const panels = Math.floor(mc / WASM_MR);
        const a = A.at + i0 * A.row + k0 * A.col;
        for (let jp = 0; jp < nc; jp += WASM_NR) {
          const cols = Math.min(WASM_NR, nc - jp);
          let [b, bK] = packed
            ? [scratch.bPack + jp * kc * 4, WASM_NR * 4]
            : [B.at + k0 * B.row + (j0 + jp) * 4, B.row];
          if (!packed && cols < WASM_NR) {
            // the last panel of a contiguous B: copied with zero columns, so the kernel reads no column past it
            packPanel(t, B, k0, kc, j0 + jp, cols, scratch.bPack);
            [b, bK] = [scratch.bPack, WASM_NR * 4];
          }
          const c = C.at + i0 * C.row + (j0 + jp) * 4;
          if (cols === WASM_NR) w.tiles(a, A.row, A.col, b, bK, kc, panels, c, C.row, add);
          else if (panels > 0) {
            w.tiles(a, A.row, A.col, b, bK, kc, panels, scratch.edge, WASM_NR * 4, 0);
            w.gather(scratch.edge, WASM_NR * 4, 4, panels * WASM_MR, cols, c, C.row, 4, add);
          }
          const rows = mc - panels * WASM_MR;
          if (rows > 0)
            lastRows(
              t,
              { at: a + panels * WASM_MR * A.row, row: A.row, col: A.col },
              rows,
              kc,
              b,
              bK,
              c + panels * WASM_MR * C.row,
              C.row,
              cols,
              add,
            );
        }
      }
    }
  }
}

/** dst[k][0:8] = B[k0 + k, j : j + cols] (then zeros) for k < kc: one packed panel. */
function packPanel(
  t: GemmThread,
  B: StridedMatrix,
  k0: number,
  kc: number,
  j: number,
  cols: number,
  dst: number,
): void {
  if (cols < WASM_NR) t.kernels.zero(dst, kc * WASM_NR * 4);
  t.kernels.gather(B.at + k0 * B.row + j * B.col, B.row, B.col, kc, cols, dst, WASM_NR * 4, 4, 0);
}

/** C[rows < 4, cols] (+)= A[rows, 0:kc]·panel: A's rows copied into a zero-padded 4-row panel, C through the edge tile. */
function lastRows(
  t: GemmThread,
  A: StridedMatrix,
  rows: number,
  kc: number,
  b: number,
  bK: number,
  c: number,
  ldc: number,
  cols: number,
  add: number,
): void {
  const { kernels: w, scratch } = t;
  w.zero(scratch.aPack, WASM_MR * kc * 4);
  w.gather(A.at, A.row, A.col, rows, kc, scratch.aPack, kc * 4, 4, 0);
  w.tiles(scratch.aPack, kc * 4, 4, b, bK, kc, 1, scratch.edge, WASM_NR * 4, 0);
  w.gather(scratch.edge, WASM_NR * 4, 4, rows, cols, c, ldc, 4, add);
}
