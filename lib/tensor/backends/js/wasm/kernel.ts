import { Code, FunctionSpec, I32, moduleBytes, V128 } from './emit';

/** Register tile of the SIMD kernel: 4 rows × 8 columns, i.e. 4 × 2 vectors of four float32. */
export const WASM_MR = 4;
export const WASM_NR = 8;

const locals = (i32s: number, v128s: number): number[] => [...new Array<number>(i32s).fill(I32), ...new Array<number>(v128s).fill(V128)];

/**
 * `tiles(a, b, kc, panels, c, ldc)`: for each of `panels` row panels p — A packed row by row (4 rows of kc values,
 * panel p at a + 16·kc·p); B packed 8 values per k — C[rows 4p…4p+3, 8 columns] += Σ_k a[r, k] · b[k, 0:8].
 * Pointers are byte offsets into the memory; ldc is the byte distance between rows of C.
 * Per k: two vector loads of B, four load-and-splats of A (one per row stream), eight multiplies and eight adds
 * into eight accumulator vectors: 32 multiply-adds. (Plain SIMD has no fused multiply-add; relaxed-simd would.)
 */
function tiles(): FunctionSpec {
  const [A, B, KC, PANELS, C, LDC] = [0, 1, 2, 3, 4, 5];
  const [K, P, ROW, BP, CP] = [6, 7, 8, 9, 10];
  const AR = 11; // the four row streams of A: AR + r
  const ACC = 15; // accumulator of row r, columns 4h…4h+3: ACC + 2r + h
  const [B0, B1, SPLAT] = [23, 24, 25];
  const c = new Code();
  c.get(KC).i32(4).mul().set(ROW); // bytes per packed row of A
  c.get(C).set(CP).i32(0).set(P);
  c.forLoop(P, PANELS, () => {
    for (let r = 0; r < 4; r++) c.get(A).get(P).get(ROW).i32(4).mul().mul().add().get(ROW).i32(r).mul().add().set(AR + r);
    for (let k = 0; k < 8; k++) c.v128Zero().set(ACC + k);
    c.get(B).set(BP).i32(0).set(K);
    c.forLoop(K, KC, () => {
      c.get(BP).v128Load(0).set(B0);
      c.get(BP).v128Load(16).set(B1);
      for (let r = 0; r < 4; r++) {
        c.get(AR + r).load32Splat(0).set(SPLAT);
        c.get(ACC + 2 * r).get(SPLAT).get(B0).f32x4Mul().f32x4Add().set(ACC + 2 * r);
        c.get(ACC + 2 * r + 1).get(SPLAT).get(B1).f32x4Mul().f32x4Add().set(ACC + 2 * r + 1);
        c.get(AR + r).i32(4).add().set(AR + r);
      }
      c.get(BP).i32(32).add().set(BP);
    });
    for (let r = 0; r < 4; r++) {
      for (let h = 0; h < 2; h++) {
        c.get(CP).get(LDC).i32(r).mul().add(); // address for the store
        c.get(CP).get(LDC).i32(r).mul().add().v128Load(16 * h);
        c.get(ACC + 2 * r + h).f32x4Add().v128Store(16 * h);
      }
    }
    c.get(CP).get(LDC).i32(4).mul().add().set(CP);
  });
  return { name: 'tiles', params: [I32, I32, I32, I32, I32, I32], locals: locals(9, 11), body: c };
}

/**
 * `finish(y, rows, channels, bias, relu)`: y[row, c] = max(y[row, c] + bias[c], 0), four lanes at a time, in
 * place (byte pointers; bias < 0 means none, relu = 0 skips the max; channels a multiple of 4).
 * f32x4.max gives NaN where either lane is NaN, so a NaN stays NaN, as in the ReLU op.
 */
function finish(): FunctionSpec {
  const [Y, ROWS, CHANNELS, BIAS, RELU] = [0, 1, 2, 3, 4];
  const [ROW, C, AT] = [5, 6, 7];
  const [V, ZERO] = [8, 9];
  const c = new Code();
  c.v128Zero().set(ZERO);
  c.forLoop(ROW, ROWS, () => {
    c.forLoop(C, CHANNELS, () => {
      c.get(Y).get(ROW).get(CHANNELS).mul().get(C).add().i32(4).mul().add().set(AT);
      c.get(AT).v128Load(0).set(V);
      c.get(BIAS).i32(0).geS().ifThen(() => c.get(V).get(BIAS).get(C).i32(4).mul().add().v128Load(0).f32x4Add().set(V));
      c.get(RELU).ifThen(() => c.get(V).get(ZERO).f32x4Max().set(V));
      c.get(AT).get(V).v128Store(0);
    }, { step: 4 });
  });
  return { name: 'finish', params: [I32, I32, I32, I32, I32], locals: locals(3, 2), body: c };
}

/**
 * `maxpool(x, y, argmax, n0, n1, inH, inW, channels, outH, outW, kH, kW, sH, sW)`: max-pooling of images
 * [n0, n1) whose windows lie inside the image (no padding), four channels at a time (channels a multiple of 4).
 * y and argmax (indices into x, in elements) are written at the output pixel's place. Strictly greater replaces,
 * so the first maximum in window order wins and NaN never replaces — the reference's rule.
 */
function maxpool(): FunctionSpec {
  const [X, Y, ARG, N0, N1, IH, IW, CH, OH, OW, KH, KW, SH, SW] = [...Array(14).keys()];
  const [N, I, J, C, A, B, FIRST, XI, OUT] = [14, 15, 16, 17, 18, 19, 20, 21, 22];
  const [BEST, BESTI, V, IDX, MASK] = [23, 24, 25, 26, 27];
  const c = new Code();
  c.forLoop(N, N1, () => {
    c.forLoop(I, OH, () => {
      c.forLoop(J, OW, () => {
        c.forLoop(C, CH, () => {
          c.i32(1).set(FIRST);
          c.forLoop(A, KH, () => {
            c.forLoop(B, KW, () => {
              // xi = ((n·inH + i·sH + a)·inW + j·sW + b)·channels + c
              c.get(N).get(IH).mul().get(I).get(SH).mul().add().get(A).add().get(IW).mul().get(J).get(SW).mul().add().get(B).add().get(CH).mul().get(C).add().set(XI);
              c.get(X).get(XI).i32(4).mul().add().v128Load(0).set(V);
              c.get(XI).i32x4Splat().i32x4Iota().i32x4Add().set(IDX);
              c.get(FIRST).ifElse(
                () => c.get(V).set(BEST).get(IDX).set(BESTI).i32(0).set(FIRST),
                () => {
                  c.get(V).get(BEST).f32x4Gt().set(MASK);
                  c.get(V).get(BEST).get(MASK).bitselect().set(BEST);
                  c.get(IDX).get(BESTI).get(MASK).bitselect().set(BESTI);
                },
              );
            });
          });
          // out = ((n·outH + i)·outW + j)·channels + c
          c.get(N).get(OH).mul().get(I).add().get(OW).mul().get(J).add().get(CH).mul().get(C).add().i32(4).mul().set(OUT);
          c.get(Y).get(OUT).add().get(BEST).v128Store(0);
          c.get(ARG).get(OUT).add().get(BESTI).v128Store(0);
        }, { step: 4 });
      });
    });
  }, { start: N0 });
  return { name: 'maxpool', params: new Array<number>(14).fill(I32), locals: locals(9, 5), body: c };
}

/** The compiled module, importing `env.memory` (shared, up to `maxPages` pages). */
export function kernelModule(maxPages: number): WebAssembly.Module {
  return new WebAssembly.Module(moduleBytes([tiles(), finish(), maxpool()], maxPages));
}
