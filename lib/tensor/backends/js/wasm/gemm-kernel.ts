import { FunctionSpec, WasmFunction } from './emit';

/** Register tile of the SIMD kernel: 4 rows × 8 columns, i.e. 4 × 2 vectors of four float32. */
export const WASM_MR = 4;
export const WASM_NR = 8;

/**
 * `tiles(a, aRow, aK, b, bK, kc, panels, c, ldc, accumulate)`: for each of `panels` panels of 4 rows,
 *   C[4 rows, 8 columns] (+)= Σ_{k < kc} A[row, k] · B[k, 0:8]
 * where A[row r of panel p, k] is the float at a + (4p + r)·aRow + k·aK and B[k, 0:8] the 8 floats at b + k·bK —
 * byte offsets and strides, so A is read in place whether it is stored by rows (aK = 4) or by columns (aRow = 4),
 * and B in place when its rows hold 8 contiguous columns (a packed panel has bK = 32). C's rows are ldc bytes
 * apart; `accumulate` 0 stores the sums, 1 adds them to C.
 *
 * Per k: two vector loads of B, four load-and-splats of A (one per row), eight multiply-adds into eight
 * accumulator vectors — 32 multiply-adds, FMA-bound: eight independent accumulators cover the FMA's latency.
 * (Two k per pass measured slower: V8 schedules the second k's loads early and spills accumulators.)
 */
function tiles(fma: boolean): FunctionSpec {
  const f = new WasmFunction('tiles', ['a', 'aRow', 'aK', 'b', 'bK', 'kc', 'panels', 'c', 'ldc', 'accumulate'], fma);
  const { a, aRow, aK, b, bK, kc, panels, c: cAt, ldc, accumulate } = f.p;
  const [p, k, bp, cp, ap] = f.many(5, 'i32');
  const rows = f.many(WASM_MR, 'i32');
  const acc = f.many(WASM_MR * 2, 'v128');
  const [b0, b1, s] = f.many(3, 'v128');
  const c = f.code;

  c.get(a).set(ap).get(cAt).set(cp);
  c.forLoop(p, panels, () => {
    c.get(ap).set(rows[0]);
    for (let r = 1; r < WASM_MR; r++)
      c.get(rows[r - 1])
        .get(aRow)
        .add()
        .set(rows[r]);
    for (const v of acc) c.v128Zero().set(v);
    c.get(b).set(bp);
    c.forLoop(k, kc, () => {
      c.get(bp).v128Load(0).set(b0);
      c.get(bp).v128Load(16).set(b1);
      for (let r = 0; r < WASM_MR; r++) {
        c.get(rows[r]).load32Splat().set(s);
        for (let h = 0; h < 2; h++) {
          const into = acc[2 * r + h];
          c.madd(
            () => c.get(into),
            () => c.get(s),
            () => c.get(h === 0 ? b0 : b1),
          ).set(into);
        }
        c.inc(rows[r], () => c.get(aK));
      }
      c.inc(bp, () => c.get(bK));
    });
    for (let r = 0; r < WASM_MR; r++) {
      for (let h = 0; h < 2; h++) {
        const address = (): void => void c.get(cp).get(ldc).i32(r).mul().add();
        c.get(acc[2 * r + h]).set(s);
        c.get(accumulate).ifThen(() => {
          c.get(s);
          address();
          c.v128Load(16 * h)
            .f32x4Add()
            .set(s);
        });
        address();
        c.get(s).v128Store(16 * h);
      }
    }
    c.get(cp).get(ldc).i32(WASM_MR).mul().add().set(cp);
    c.get(ap).get(aRow).i32(WASM_MR).mul().add().set(ap);
  });
  return f.spec();
}

/**
 * `gather(src, s0, s1, n0, n1, dst, d0, d1, add)`: for i < n0, j < n1, dst[i·d0 + j·d1] (+)= src[i·s0 + j·s1]
 * (byte offsets and strides; `add` 1 adds). Packing a panel of B, a short panel of A, and moving an edge tile
 * into C are all this one strided copy.
 */
function gather(): FunctionSpec {
  const f = new WasmFunction('gather', ['src', 's0', 's1', 'n0', 'n1', 'dst', 'd0', 'd1', 'add']);
  const { src, s0, s1, n0, n1, dst, d0, d1, add } = f.p;
  const [i, j, from, to] = f.many(4, 'i32');
  const c = f.code;
  c.forLoop(i, n0, () => {
    c.get(src).get(i).get(s0).mul().add().set(from);
    c.get(dst).get(i).get(d0).mul().add().set(to);
    c.forLoop(j, n1, () => {
      c.get(add).ifElse(
        () => c.get(to).get(to).f32Load().get(from).f32Load().f32Add().f32Store(),
        () => c.get(to).get(from).f32Load().f32Store(),
      );
      c.inc(from, () => c.get(s1)).inc(to, () => c.get(d1));
    });
  });
  return f.spec();
}

/**
 * `finish(y, rows, channels, bias, relu)`: y[row, c] = max(y[row, c] + bias[c], 0), four lanes at a time, in
 * place (byte pointers; bias < 0 means none, relu = 0 skips the max; channels a multiple of 4).
 * The ReLU is f32x4.pmax with 0: a NaN stays NaN, as in the ReLU op.
 */
function finish(): FunctionSpec {
  const f = new WasmFunction('finish', ['y', 'rows', 'channels', 'bias', 'relu']);
  const { y, rows, channels, bias, relu } = f.p;
  const [row, ch, at] = f.many(3, 'i32');
  const [v, zero] = f.many(2, 'v128');
  const c = f.code;
  c.v128Zero().set(zero);
  c.forLoop(row, rows, () => {
    c.forLoop(
      ch,
      channels,
      () => {
        c.get(y).get(row).get(channels).mul().get(ch).add().i32(4).mul().add().set(at);
        c.get(at).v128Load().set(v);
        c.get(bias)
          .i32(0)
          .geS()
          .ifThen(() => c.get(v).get(bias).get(ch).i32(4).mul().add().v128Load().f32x4Add().set(v));
        c.get(relu).ifThen(() => c.get(v).get(zero).f32x4Pmax().set(v));
        c.get(at).get(v).v128Store();
      },
      { step: 4 },
    );
  });
  return f.spec();
}

export function gemmFunctions(fma: boolean): FunctionSpec[] {
  return [tiles(fma), gather(), finish()];
}
