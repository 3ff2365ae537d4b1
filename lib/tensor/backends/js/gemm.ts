import { TypedArray } from '../../dtype';

/**
 * C[m0:m1, 0:n] += A[m0:m1, 0:k]·B[0:k, 0:n], cache-blocked as Goto & van de Geijn's GEMM: B is packed in
 * KC×NC blocks of 4-column panels, A in MC×KC blocks of 4-row panels, both k-major, and a 4×4 register tile
 * does the multiply-adds (16 accumulators held in locals, 8 loads per 16 multiply-adds). Packing is where
 * transposes, im2col and padding happen: the packers gather from wherever the values live.
 */
/** Packed panels live in a Float64Array (the TypeScript path) or in the WebAssembly memory (float32). */
export type PackBuffer = Float32Array | Float64Array;

export interface Packers {
  /**
   * out[at + r·rowStride + k·kStride] = A[i0 + r, k0 + k] for k < kc, r < 4; rows past the end of A are 0. The
   * TypeScript tile reads k-major panels (1, 4); the SIMD kernel reads four row streams (kc, 1), which for
   * contiguous rows is a plain copy. `at` is where the panel starts in `out`.
   */
  packA(i0: number, k0: number, kc: number, out: PackBuffer, at: number, rowStride: number, kStride: number): void;
  /** out[at + k·nr + c] = B[k0 + k, j0 + c] for k < kc, c < nr (4 or 8); columns past the end of B are 0. */
  packB(k0: number, kc: number, j0: number, out: PackBuffer, at: number, nr: number): void;
}

/** Block sizes: KC·4 rows of A (MC × KC) stay in L2, a KC × NR panel of B in L1. */
export const KC = 256;
export const MC = 128;
export const NC = 1024;

/** Private packing buffers, one set per thread, grown on demand. */
export class GemmScratch {
  a = new Float64Array(KC * MC);
  b = new Float64Array(KC * NC);
}

export function gemm(
  m0: number,
  m1: number,
  n: number,
  k: number,
  packers: Packers,
  c: TypedArray,
  cOffset: number,
  ldc: number,
  scratch: GemmScratch,
): void {
  const { a: ap, b: bp } = scratch;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      for (let jp = 0; jp < nc; jp += 4) packers.packB(k0, kc, j0 + jp, bp, jp * kc, 4);
      for (let i0 = m0; i0 < m1; i0 += MC) {
        const mc = Math.min(MC, m1 - i0);
        for (let ip = 0; ip < mc; ip += 4) packers.packA(i0 + ip, k0, kc, ap, ip * kc, 1, 4);
        for (let ip = 0; ip < mc; ip += 4) {
          for (let jp = 0; jp < nc; jp += 4) {
            tile(
              ap,
              ip * kc,
              bp,
              jp * kc,
              kc,
              c,
              cOffset + (i0 + ip) * ldc + j0 + jp,
              ldc,
              Math.min(4, mc - ip),
              Math.min(4, nc - jp),
            );
          }
        }
      }
    }
  }
}

/** The 4×4 register tile: C[0:rows, 0:cols] += Σ_k a[k,0:4] ⊗ b[k,0:4]. */
function tile(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  kc: number,
  c: TypedArray,
  co: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let k = 0; k < kc; k++) {
    const p = ao + 4 * k;
    const q = bo + 4 * k;
    const a0 = a[p],
      a1 = a[p + 1],
      a2 = a[p + 2],
      a3 = a[p + 3];
    const b0 = b[q],
      b1 = b[q + 1],
      b2 = b[q + 2],
      b3 = b[q + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (rows === 4 && cols === 4) {
    c[co] += c00;
    c[co + 1] += c01;
    c[co + 2] += c02;
    c[co + 3] += c03;
    co += ldc;
    c[co] += c10;
    c[co + 1] += c11;
    c[co + 2] += c12;
    c[co + 3] += c13;
    co += ldc;
    c[co] += c20;
    c[co + 1] += c21;
    c[co + 2] += c22;
    c[co + 3] += c23;
    co += ldc;
    c[co] += c30;
    c[co + 1] += c31;
    c[co + 2] += c32;
    c[co + 3] += c33;
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) for (let col = 0; col < cols; col++) c[co + r * ldc + col] += acc[r * 4 + col];
}

/**
 * out[to … to + count) = source[from … from + count): a loop for short runs (a patch row's channels), where set()
 * on views of the shared memory measured slower, set() for long ones (a matrix row).
 */
export function copyRun(
  source: TypedArray | PackBuffer,
  from: number,
  out: PackBuffer,
  to: number,
  count: number,
): void {
  if (count >= 64) out.set(source.subarray(from, from + count), to);
  else for (let j = 0; j < count; j++) out[to + j] = source[from + j];
}

/** Packers for plain row-major matrices, either one optionally transposed: A is m×k (or k×m), B is k×n (or n×k). */
export function matrixPackers(
  a: TypedArray,
  aOffset: number,
  transA: boolean,
  m: number,
  b: TypedArray,
  bOffset: number,
  transB: boolean,
  n: number,
  k: number,
): Packers {
  return {
    packA(i0, k0, kc, out, at, rowStride, kStride) {
      for (let r = 0; r < 4; r++) {
        const i = i0 + r;
        if (i < m && !transA && kStride === 1) {
          copyRun(a, aOffset + i * k + k0, out, at + r * rowStride, kc); // a row is contiguous
          continue;
        }
        for (let kk = 0; kk < kc; kk++)
          out[at + r * rowStride + kk * kStride] =
            i < m ? a[aOffset + (transA ? (k0 + kk) * m + i : i * k + k0 + kk)] : 0;
      }
    },
    packB(k0, kc, j0, out, at, nr) {
      for (let col = 0; col < nr; col++) {
        const j = j0 + col;
        for (let kk = 0; kk < kc; kk++)
          out[at + kk * nr + col] = j < n ? b[bOffset + (transB ? j * k + k0 + kk : (k0 + kk) * n + j)] : 0;
      }
    },
  };
}
