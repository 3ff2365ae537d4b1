import { transpose, WinogradTransform } from '../../../kernels/winograd';
import { Code, FunctionSpec, WasmFunction } from './emit';

/**
 * The Winograd transforms as WebAssembly SIMD, generated from their matrices (`kernels/winograd.ts`): every
 * transform is a sandwich L·X·Lᵀ of constants around a small tile, computed on four channels at once (NHWC keeps
 * a pixel's channels side by side, so one vector load takes four). Entries 0 are skipped, ±1 become an add or a
 * subtract, the rest a multiply by a constant — the same arithmetic, in the same order, on every call.
 *
 * Layouts (byte offsets; C the channels of the array, a multiple of 4):
 * - a padded image P[row][col][C], rows Wp·C·4 bytes apart: every tile it is read by lies inside it;
 * - a transformed chunk V[ξ][t][C] for ξ < α² and tiles t < T: the ξ-th slice is a T × C matrix, row-major;
 * - transformed filters U[ξ][inC][outC].
 */

/** Pushes Σ coefficient·local (skipping zeros): the one place a matrix row becomes instructions. */
function combination(c: Code, terms: ReadonlyArray<readonly [number, number]>): void {
  const nonzero = terms.filter(([coefficient]) => coefficient !== 0);
  if (nonzero.length === 0) {
    c.v128Zero();
    return;
  }
  // start from a +1 term when there is one: no multiply for it
  const first = nonzero.find(([coefficient]) => coefficient === 1) ?? nonzero[0];
  c.get(first[1]);
  if (first[0] !== 1) c.f32x4Const(first[0]).f32x4Mul();
  for (const term of nonzero) {
    if (term === first) continue;
    const [coefficient, local] = term;
    c.get(local);
    if (coefficient === 1) c.f32x4Add();
    else if (coefficient === -1) c.f32x4Sub();
    else c.f32x4Const(coefficient).f32x4Mul().f32x4Add();
  }
}

/**
 * out = L · X · Lᵀ for X q×q (L is r×q): X's values are loaded by `load(i, j)` (which pushes one vector), and
 * each output is handed to `store(i, j, value)`, where `value()` pushes it. Small tiles (F2's) stay in locals:
 * X, then T = L·X, then the outputs. Larger ones (F4's 6×6) would spill V8's sixteen vector registers at every
 * step, so they go through `tmp` (a local holding the byte offset of q·r vectors of scratch, in L1): T is made
 * one column of X at a time and stored, then read back one row at a time for the outputs.
 */
function sandwich(
  f: WasmFunction<string>,
  L: readonly number[][],
  load: (i: number, j: number) => void,
  store: (i: number, j: number, value: () => void) => void,
  tmp: number,
): void {
  const c = f.code;
  const [q, r] = [L[0].length, L.length];
  if (q * q + r * q <= 32) {
    const x = L[0].map(() => f.many(q, 'v128'));
    const t = L.map(() => f.many(q, 'v128'));
    for (let i = 0; i < q; i++) {
      for (let j = 0; j < q; j++) {
        load(i, j);
        c.set(x[i][j]);
      }
    }
    L.forEach((row, i) => {
      for (let j = 0; j < q; j++) {
        combination(
          c,
          row.map((l, k) => [l, x[k][j]] as const),
        );
        c.set(t[i][j]);
      }
    });
    L.forEach((_, i) =>
      L.forEach((row, j) =>
        store(i, j, () =>
          combination(
            c,
            row.map((l, k) => [l, t[i][k]] as const),
          ),
        ),
      ),
    );
    return;
  }
  const column = f.many(q, 'v128');
  for (let j = 0; j < q; j++) {
    for (let k = 0; k < q; k++) {
      load(k, j);
      c.set(column[k]);
    }
    L.forEach((row, i) => {
      c.get(tmp);
      combination(
        c,
        row.map((l, k) => [l, column[k]] as const),
      );
      c.v128Store(16 * (i * q + j));
    });
  }
  const line = f.many(q, 'v128');
  for (let i = 0; i < r; i++) {
    for (let k = 0; k < q; k++)
      c.get(tmp)
        .v128Load(16 * (i * q + k))
        .set(line[k]);
    L.forEach((row, j) =>
      store(i, j, () =>
        combination(
          c,
          row.map((l, k) => [l, line[k]] as const),
        ),
      ),
    );
  }
}

/** Locals holding k·stride for k < count (the offsets of a tile's rows or pixels). */
function offsets(f: WasmFunction<string>, stride: number, count: number): number[] {
  const c = f.code;
  return Array.from({ length: count }, (_, k) => {
    const local = f.i32();
    c.get(stride).i32(k).mul().set(local);
    return local;
  });
}

/**
 * `input(P, Wp, C, tilesH, tilesW, V, T, t0)`: V[ξ][t0 + th·tilesW + tw][ch] = (Bᵀ d B)[ξ] for each tile (th, tw)
 * of a padded image P, d being its α×α values at rows th·m…, columns tw·m… — the input transform (also of the
 * output gradient, for the input gradient: a Winograd convolution too).
 */
function input(F: WinogradTransform, fma: boolean): FunctionSpec {
  return tileLoop(new WasmFunction(`input${F.m}`, TILE_PARAMS, fma), F.BT, F.m);
}

/**
 * `grad(P, Wp, C, tilesH, tilesW, dM, T, t0)`: dM[ξ][t][ch] = (A dY Aᵀ)[ξ] for each m×m tile of the output
 * gradient (P points at its first value inside a zero-padded image, so that tiles past the edge read zeros) — the
 * gradient of the output transform, for the filter gradient.
 */
function grad(F: WinogradTransform, fma: boolean): FunctionSpec {
  return tileLoop(new WasmFunction(`grad${F.m}`, TILE_PARAMS, fma), transpose(F.AT), F.m);
}

const TILE_PARAMS = ['P', 'Wp', 'C', 'tilesH', 'tilesW', 'V', 'T', 't0', 'tmp'] as const;

/**
 * The loop over a padded image's tiles (m apart) and channel groups shared by the input and gradient transforms:
 * X[i][j] is read at P + (th·m + i)·rowBytes + (tw·m + j)·pixBytes + 4·ch, and (L X Lᵀ)[ξ] written to V[ξ][t][ch].
 */
function tileLoop(f: WasmFunction<(typeof TILE_PARAMS)[number]>, L: readonly number[][], m: number): FunctionSpec {
  const { P, Wp, C, tilesH, tilesW, V, T, t0, tmp } = f.p;
  const c = f.code;
  const [q, r] = [L[0].length, L.length];
  const [rowBytes, pixBytes, th, tw, ch, base, t, out, sliceBytes] = f.many(9, 'i32');
  c.get(Wp).get(C).mul().i32(4).mul().set(rowBytes);
  c.get(C).i32(4).mul().set(pixBytes);
  c.get(T).get(C).mul().i32(4).mul().set(sliceBytes);
  const rows = offsets(f, rowBytes, q);
  const pixels = offsets(f, pixBytes, q);
  c.get(t0).set(t);
  c.forLoop(th, tilesH, () => {
    c.forLoop(tw, tilesW, () => {
      c.get(P).get(th).i32(m).mul().get(rowBytes).mul().add().get(tw).i32(m).mul().get(pixBytes).mul().add().set(base);
      c.forLoop(
        ch,
        C,
        () => {
          c.get(V).get(t).get(C).mul().get(ch).add().i32(4).mul().add().set(out);
          sandwich(
            f,
            L,
            (i, j) => c.get(base).get(rows[i]).add().get(pixels[j]).add().get(ch).i32(4).mul().add().v128Load(),
            (i, j, value) => {
              c.get(out);
              value();
              c.v128Store();
              if (i * r + j < r * r - 1) c.get(out).get(sliceBytes).add().set(out);
            },
            tmp,
          );
        },
        { step: 4 },
      );
      c.inc(t, 1);
    });
  });
  return f.spec();
}

/**
 * `output(M, T, t0, C, Y, outH, outW, tilesH, tilesW, bias, relu, keep, tmp)`: for each tile of one image,
 * Y[th·m + i, tw·m + j][ch] = max((Aᵀ M A)[i][j] + bias[ch], floor) — the output transform with the conv layer's
 * epilogue fused (bias: C floats; floor 0 with relu, −∞ without, so that NaN stays NaN). With `keep` (an int32
 * mask per output pixel, from `zero_patches`), outputs whose window holds only zeros are exactly 0 before the
 * bias, as a direct convolution makes them (see zero_patches). Outputs past the image's edge (the last tiles
 * when m does not divide its size) are not written.
 */
function output(F: WinogradTransform, fma: boolean): FunctionSpec {
  const f = new WasmFunction(
    `output${F.m}`,
    ['M', 'T', 't0', 'C', 'Y', 'outH', 'outW', 'tilesH', 'tilesW', 'bias', 'relu', 'keep', 'tmp'],
    fma,
  );
  const { M, T, t0, C, Y, outH, outW, tilesH, tilesW, bias, relu, keep, tmp } = f.p;
  const c = f.code;
  const m = F.m;
  const [sliceBytes, rowBytes, pixBytes, th, tw, ch, t, from, to, rowsLeft, colsLeft, kept] = f.many(12, 'i32');
  const [floor, b, ones] = f.many(3, 'v128');
  c.i32(-1).i32x4Splat().set(ones);
  c.get(T).get(C).mul().i32(4).mul().set(sliceBytes);
  c.get(outW).get(C).mul().i32(4).mul().set(rowBytes);
  c.get(C).i32(4).mul().set(pixBytes);
  const slices = offsets(f, sliceBytes, F.AT[0].length ** 2);
  const rows = offsets(f, rowBytes, m);
  const pixels = offsets(f, pixBytes, m);
  const keepRow = f.i32();
  c.get(outW).i32(4).mul().set(keepRow);
  const keepRows = offsets(f, keepRow, m);
  c.get(relu).ifElse(
    () => c.v128Zero().set(floor),
    () => c.f32x4Const(-Infinity).set(floor),
  );
  c.get(t0).set(t);
  c.forLoop(th, tilesH, () => {
    c.get(outH).get(th).i32(m).mul().sub().set(rowsLeft);
    c.forLoop(tw, tilesW, () => {
      c.get(outW).get(tw).i32(m).mul().sub().set(colsLeft);
      c.forLoop(
        ch,
        C,
        () => {
          c.get(M).get(t).get(C).mul().get(ch).add().i32(4).mul().add().set(from);
          c.get(Y)
            .get(th)
            .i32(m)
            .mul()
            .get(rowBytes)
            .mul()
            .add()
            .get(tw)
            .i32(m)
            .mul()
            .get(pixBytes)
            .mul()
            .add()
            .get(ch)
            .i32(4)
            .mul()
            .add()
            .set(to);
          c.get(bias).get(ch).i32(4).mul().add().v128Load().set(b);
          c.get(keep)
            .get(th)
            .i32(m)
            .mul()
            .get(keepRow)
            .mul()
            .add()
            .get(tw)
            .i32(m * 4)
            .mul()
            .add()
            .set(kept);
          const alpha = F.AT[0].length;
          sandwich(
            f,
            F.AT,
            (i, j) =>
              c
                .get(from)
                .get(slices[i * alpha + j])
                .add()
                .v128Load(),
            (i, j, value) => {
              const write = (): void => {
                c.get(to).get(rows[i]).add().get(pixels[j]).add();
                value();
                // & the pixel's mask (all ones where its window holds a nonzero), or all ones without `keep`
                c.get(kept)
                  .get(keepRows[i])
                  .add()
                  .i32Load(4 * j)
                  .i32x4Splat()
                  .get(ones)
                  .get(keep)
                  .select()
                  .v128And();
                c.get(b).f32x4Add().get(floor).f32x4Pmax().v128Store();
              };
              if (i === 0 && j === 0) write();
              else c.get(rowsLeft).i32(i).gtS().get(colsLeft).i32(j).gtS().and().ifThen(write);
            },
            tmp,
          );
        },
        { step: 4 },
      );
      c.inc(t, 1);
    });
  });
  return f.spec();
}

/**
 * `filter(src, outC, dst, srcSlot, dstSlot, ciFrom, ciTo, tmp)`: U[ξ][ci][co] = (G g Gᵀ)[ξ] for the 3×3 filter
 * g = W[·, ·, ci, co] (HWIO) with ciFrom ≤ ci < ciTo, four output channels at once — the filter transform.
 */
function filter(F: WinogradTransform, fma: boolean): FunctionSpec {
  return perFilter(new WasmFunction(`filter${F.m}`, FILTER_PARAMS, fma), F.G);
}

/**
 * `filter_grad(src, outC, dst, srcSlot, dstSlot, ciFrom, ciTo, tmp)`: dW[·, ·, ci, co] = Gᵀ dU[·][ci][co] G for
 * ciFrom ≤ ci < ciTo — the filter gradient back from the Winograd domain.
 */
function filterGrad(F: WinogradTransform, fma: boolean): FunctionSpec {
  return perFilter(new WasmFunction(`filter_grad${F.m}`, FILTER_PARAMS, fma), transpose(F.G));
}

const FILTER_PARAMS = ['src', 'outC', 'dst', 'srcSlot', 'dstSlot', 'ciFrom', 'ciTo', 'tmp'] as const;

/**
 * The loop over (ci, co) shared by the filter transforms. Source and destination both hold, for each of their
 * slots (3×3 taps, or α² Winograd points), an inC × outC matrix; slot s of pair (ci, co) is at
 * s·srcSlot + (ci·outC + co)·4 in the source (dstSlot in the destination: the points' matrices lie further apart
 * than inC·outC where that would crowd one set of the L1 cache: `spreadOverCache` in winograd.ts). The q×q slots read are sandwiched into the
 * r×r written. Only the pairs of ci in [ciFrom, ciTo) are done, so that threads can share the filters out.
 */
function perFilter(f: WasmFunction<(typeof FILTER_PARAMS)[number]>, L: readonly number[][]): FunctionSpec {
  const { src, outC, dst, srcSlot, dstSlot, ciFrom, ciTo, tmp } = f.p;
  const c = f.code;
  const [q, r] = [L[0].length, L.length];
  const [ci, co, from, to] = f.many(4, 'i32');
  const [read, written] = [offsets(f, srcSlot, q * q), offsets(f, dstSlot, r * r)];
  c.forLoop(
    ci,
    ciTo,
    () => {
      c.forLoop(
        co,
        outC,
        () => {
          c.get(ci).get(outC).mul().get(co).add().i32(4).mul().set(from);
          c.get(dst).get(from).add().set(to);
          c.get(src).get(from).add().set(from);
          sandwich(
            f,
            L,
            (i, j) =>
              c
                .get(from)
                .get(read[i * q + j])
                .add()
                .v128Load(),
            (i, j, value) => {
              c.get(to)
                .get(written[i * r + j])
                .add();
              value();
              c.v128Store();
            },
            tmp,
          );
        },
        { step: 4 },
      );
    },
    { start: ciFrom },
  );
  return f.spec();
}

/**
 * `zero_patches(P, Wp, C, outH, outW, flags, keep)`: keep[i·outW + j] = −1 (all bits) where the 3×3 window of
 * output (i, j) in the padded image P holds a nonzero value, else 0 (flags: scratch for one int32 per pixel).
 *
 * Why: a direct convolution of a window of zeros is exactly 0, and a ReLU then passes no gradient there; a
 * Winograd tile mixes the window with its neighbours' values and the cancellation leaves rounding residue
 * (±1e−7), which the ReLU and max-pool would treat as positive — on MNIST's black backgrounds that sent 17% of
 * the second bias's gradient astray. With the mask, the output transform makes those outputs exactly 0 again.
 */
function zeroPatches(): FunctionSpec {
  const f = new WasmFunction('zero_patches', ['P', 'Wp', 'C', 'outH', 'outW', 'flags', 'keep']);
  const { P, Wp, C, outH, outW, flags, keep } = f.p;
  const [r, col, ch, at, rows, cols, flag, i, j, used] = f.many(10, 'i32');
  const [nonzero, zero] = f.many(2, 'v128');
  const c = f.code;
  c.v128Zero().set(zero);
  c.get(outH).i32(2).add().set(rows);
  c.get(outW).i32(2).add().set(cols);
  c.get(flags).set(flag);
  c.forLoop(r, rows, () => {
    c.get(P).get(r).get(Wp).mul().get(C).mul().i32(4).mul().add().set(at);
    c.forLoop(col, cols, () => {
      c.v128Zero().set(nonzero);
      c.forLoop(
        ch,
        C,
        () => {
          c.get(nonzero).get(at).v128Load().get(zero).f32x4Ne().v128Or().set(nonzero);
          c.inc(at, 16);
        },
        { step: 4 },
      );
      c.get(flag).get(nonzero).v128AnyTrue().i32Store();
      c.inc(flag, 4);
    });
  });
  c.forLoop(i, outH, () => {
    c.forLoop(j, outW, () => {
      c.i32(0).set(used);
      for (let a = 0; a < 3; a++) {
        // the window's three flags of row i + a, or-ed in
        c.get(flags).get(i).i32(a).add().get(cols).mul().get(j).add().i32(4).mul().add().set(at);
        c.get(used).get(at).i32Load(0).or().get(at).i32Load(4).or().get(at).i32Load(8).or().set(used);
      }
      c.get(keep).get(i).get(outW).mul().get(j).add().i32(4).mul().add().i32(0).get(used).sub().i32Store();
    });
  });
  return f.spec();
}

export function winogradFunctions(transforms: readonly WinogradTransform[], fma: boolean): FunctionSpec[] {
  return [
    zeroPatches(),
    ...transforms.flatMap((F) => [input(F, fma), grad(F, fma), output(F, fma), filter(F, fma), filterGrad(F, fma)]),
  ];
}
