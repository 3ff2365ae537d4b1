import { Code, FunctionSpec, I32, moduleBytes, V128 } from './emit';

/** Register tile of the SIMD kernel: 4 rows × 8 columns, i.e. 4 × 2 vectors of four float32. */
export const WASM_MR = 4;
export const WASM_NR = 8;

/**
 * `tiles(a, b, kc, panels, c, ldc)`: for each of `panels` row panels p — A packed 4 values per k (k-major), panel
 * p at a + 16·kc·p; B packed 8 values per k — C[rows 4p…4p+3, 8 columns] += Σ_k a[k, 0:4] ⊗ b[k, 0:8].
 * Pointers are byte offsets into the memory; ldc is the byte distance between rows of C.
 * Per k: two vector loads of B, four load-and-splats of A, eight multiplies and eight adds into eight
 * accumulator vectors (32 multiply-adds). (Plain SIMD has no fused multiply-add; relaxed-simd would.)
 */
function tilesFunction(): FunctionSpec {
  const [A, B, KC, PANELS, C, LDC] = [0, 1, 2, 3, 4, 5];
  const [K, P, AP, BP, CP] = [6, 7, 8, 9, 10];
  const ACC = 11; // accumulator of row r, half h (columns 4h…4h+3): ACC + 2r + h
  const [B0, B1, SPLAT] = [19, 20, 21];
  const c = new Code();
  c.get(A).set(AP).get(C).set(CP).i32(0).set(P);
  c.forLoop(P, PANELS, () => {
    for (let k = 0; k < 8; k++) c.v128Zero().set(ACC + k);
    c.get(B).set(BP).i32(0).set(K);
    c.forLoop(K, KC, () => {
      c.get(BP).v128Load(0).set(B0);
      c.get(BP).v128Load(16).set(B1);
      for (let row = 0; row < 4; row++) {
        c.get(AP).load32Splat(4 * row).set(SPLAT);
        c.get(ACC + 2 * row).get(SPLAT).get(B0).f32x4Mul().f32x4Add().set(ACC + 2 * row);
        c.get(ACC + 2 * row + 1).get(SPLAT).get(B1).f32x4Mul().f32x4Add().set(ACC + 2 * row + 1);
      }
      c.get(AP).i32(16).add().set(AP);
      c.get(BP).i32(32).add().set(BP);
    });
    // C[row] += accumulators, 8 values a row
    for (let row = 0; row < 4; row++) {
      for (let half = 0; half < 2; half++) {
        c.get(CP).get(LDC).i32(row).mul().add(); // address for the store
        c.get(CP).get(LDC).i32(row).mul().add().v128Load(16 * half);
        c.get(ACC + 2 * row + half).f32x4Add().v128Store(16 * half);
      }
    }
    c.get(CP).get(LDC).i32(4).mul().add().set(CP);
  });
  const locals = [I32, I32, I32, I32, I32, ...new Array<number>(8).fill(V128), V128, V128, V128];
  return { name: 'tiles', params: [I32, I32, I32, I32, I32, I32], locals, body: c };
}

/** The compiled module, importing `env.memory` (shared, up to `maxPages` pages). */
export function kernelModule(maxPages: number): WebAssembly.Module {
  return new WebAssembly.Module(moduleBytes([tilesFunction()], maxPages));
}
