import { FunctionSpec, WasmFunction } from './emit';

/** Output channels one pass of the direct forward kernel keeps in registers, for two pixels: 4 vectors of four. */
export const DIRECT_BLOCK = 16;

/**
 * `pad(src, rows, cols, C, dst, Wp, dstBytes, top, left, mask, sums)`: dst (dstBytes) receives the image src
 * [rows][cols][C] at (top, left) of a [·][Wp][C] grid, zeros around it — the zero padding of a convolution made
 * real, so that the kernels read every tile or window without bounds checks (only the border is zeroed: the
 * image's place is written anyway). With `mask` (an array like src, ≠ 0) each value is kept only where the
 * mask is > 0 (the ReLU's gradient: dy where y > 0), and with `sums` (C floats, ≠ 0) the values kept are added
 * up per channel (the bias gradient). Vectors when C is a multiple of 4, else one value at a time (no mask, no
 * sums).
 */
function pad(): FunctionSpec {
  const f = new WasmFunction('pad', [
    'src',
    'rows',
    'cols',
    'C',
    'dst',
    'Wp',
    'dstBytes',
    'top',
    'left',
    'mask',
    'sums',
  ]);
  const { src, rows, cols, C, dst, Wp, dstBytes, top, left, mask, sums } = f.p;
  const [i, j, ch, from, to, rowBytes, gridRow, shift, end, pixBytes] = f.many(10, 'i32');
  const [v, zero] = f.many(2, 'v128');
  const c = f.code;
  c.v128Zero().set(zero);
  c.get(C).i32(4).mul().set(pixBytes);
  c.get(cols).get(pixBytes).mul().set(rowBytes);
  c.get(Wp).get(pixBytes).mul().set(gridRow);
  c.get(mask).get(src).sub().set(shift); // mask's value sits shift bytes from src's
  c.get(dst).i32(0).get(top).get(gridRow).mul().memoryFill(); // the rows above
  c.forLoop(i, rows, () => {
    c.get(src).get(i).get(rowBytes).mul().add().set(from);
    c.get(dst).get(i).get(top).add().get(gridRow).mul().add().set(to);
    c.get(to).i32(0).get(left).get(C).mul().i32(4).mul().memoryFill(); // left of the image
    c.get(to).get(left).get(C).mul().i32(4).mul().add().set(to);
    c.get(to).get(rowBytes).add().set(end);
    c.get(C)
      .i32(3)
      .and()
      .eqz()
      .ifElse(
        () =>
          c.forLoop(j, cols, () => {
            c.forLoop(
              ch,
              pixBytes,
              () => {
                c.get(from).v128Load().set(v);
                c.get(mask).ifThen(() =>
                  c.get(v).get(from).get(shift).add().v128Load().get(zero).f32x4Gt().v128And().set(v),
                );
                c.get(sums).ifThen(() =>
                  c.get(sums).get(ch).add().get(sums).get(ch).add().v128Load().get(v).f32x4Add().v128Store(),
                );
                c.get(to).get(v).v128Store();
                c.inc(from, 16).inc(to, 16);
              },
              { step: 16 },
            );
          }),
        () =>
          c.forLoop(j, cols, () => {
            c.forLoop(ch, C, () => {
              c.get(to).get(from).f32Load().f32Store();
              c.inc(from, 4).inc(to, 4);
            });
          }),
      );
    // right of the image, to the end of the grid's row
    c.get(end).i32(0).get(dst).get(i).get(top).add().i32(1).add().get(gridRow).mul().add().get(end).sub().memoryFill();
  });
  // the rows below
  c.get(dst).get(rows).get(top).add().get(gridRow).mul().add().set(to);
  c.get(to).i32(0).get(dst).get(dstBytes).add().get(to).sub().memoryFill();
  return f.spec();
}

/**
 * `direct{4,1}(P, rowStep, pixStep, outH, outW, offsets, entries, w, outC, co0, co1, bias, relu, Y)`: one image
 * of a convolution with few input channels (the first layer: one), straight from its padded image P, for output
 * channels [co0, co1). Output pixel (oh, ow) reads its window from P + oh·rowStep + ow·pixStep; filter entry e
 * (tap and input channel) lies `offsets[e]` bytes into it and its weights at w + e·outC·4. Two neighbouring
 * pixels at a time (one at an odd end of a row) and 16 channels (or 4): eight accumulator vectors start at the
 * bias; per entry, two splats of the pixels' values and four weight vectors make eight multiply-adds; then the
 * ReLU (floor 0, or −∞ without) and the stores. A 3×3 filter on one channel is 72 multiply-adds per pixel in
 * registers, where a matrix product would pack 9-long patches.
 */
function direct(fma: boolean, vectors: 4 | 1): FunctionSpec {
  const f = new WasmFunction(
    `direct${vectors}`,
    ['P', 'rowStep', 'pixStep', 'outH', 'outW', 'offsets', 'entries', 'w', 'outC', 'co0', 'co1', 'bias', 'relu', 'Y'],
    fma,
  );
  const { P, rowStep, pixStep, outH, outW, offsets, entries, w, outC, co0, co1, bias, relu, Y } = f.p;
  const [oh, ow, co, e, row, pixel, wp, out, wStep, last, offset] = f.many(11, 'i32');
  const acc = [f.many(vectors, 'v128'), f.many(vectors, 'v128')];
  const weight = f.many(vectors, 'v128');
  const [s0, s1, floor] = f.many(3, 'v128');
  const c = f.code;
  c.get(outC).i32(4).mul().set(wStep);
  c.get(outW).i32(1).sub().set(last);
  c.get(relu).ifElse(
    () => c.v128Zero().set(floor),
    () => c.f32x4Const(-Infinity).set(floor),
  );

  /** The outputs of `pixels` (2 or 1) pixels from (oh, ow), channels [co, co + 4·vectors). */
  const block = (pixels: number): void => {
    for (let p = 0; p < pixels; p++)
      acc[p].forEach((v, k) =>
        c
          .get(bias)
          .get(co)
          .i32(4)
          .mul()
          .add()
          .v128Load(16 * k)
          .set(v),
      );
    c.get(w).get(co).i32(4).mul().add().set(wp);
    c.forLoop(e, entries, () => {
      c.get(offsets).get(e).i32(4).mul().add().i32Load().get(pixel).add().set(offset);
      c.get(offset).load32Splat().set(s0);
      if (pixels === 2) c.get(offset).get(pixStep).add().load32Splat().set(s1);
      // each weight vector loaded once into a local: V8 does not merge loads from a shared memory
      for (let k = 0; k < vectors; k++) {
        c.get(wp)
          .v128Load(16 * k)
          .set(weight[k]);
        for (let p = 0; p < pixels; p++)
          c.madd(
            () => c.get(acc[p][k]),
            () => c.get(p === 0 ? s0 : s1),
            () => c.get(weight[k]),
          ).set(acc[p][k]);
      }
      c.inc(wp, () => c.get(wStep));
    });
    for (let p = 0; p < pixels; p++) {
      acc[p].forEach((v, k) =>
        c
          .get(out)
          .get(v)
          .get(floor)
          .f32x4Pmax()
          .v128Store(16 * k),
      );
      if (p === 0 && pixels === 2) c.inc(out, () => c.get(wStep));
    }
  };

  c.forLoop(oh, outH, () => {
    c.get(P).get(oh).get(rowStep).mul().add().set(row);
    c.forLoop(
      co,
      co1,
      () => {
        c.get(row).set(pixel);
        c.get(Y).get(oh).get(outW).mul().get(wStep).mul().add().get(co).i32(4).mul().add().set(out);
        c.i32(0).set(ow);
        c.block().loop();
        c.get(ow).get(last).ltS().eqz().brIf(1);
        block(2);
        c.inc(out, () => c.get(wStep))
          .inc(pixel, () => c.get(pixStep))
          .inc(pixel, () => c.get(pixStep))
          .inc(ow, 2);
        c.br(0).end().end();
        c.get(ow)
          .get(outW)
          .ltS()
          .ifThen(() => block(1));
      },
      { step: 4 * vectors, start: co0 },
    );
  });
  return f.spec();
}

/** `zero(dst, bytes)`: memory.fill with 0 — much faster than TypedArray.fill on a shared buffer. */
export function zero(): FunctionSpec {
  const f = new WasmFunction('zero', ['dst', 'bytes']);
  f.code.get(f.p.dst).i32(0).get(f.p.bytes).memoryFill();
  return f.spec();
}

/** `add_into(dst, src, count)`: dst[i] += src[i] for count floats (a multiple of 4). */
function addInto(): FunctionSpec {
  const f = new WasmFunction('add_into', ['dst', 'src', 'count']);
  const { dst, src, count } = f.p;
  const [i, at] = f.many(2, 'i32');
  const c = f.code;
  c.forLoop(
    i,
    count,
    () => {
      c.get(i).i32(4).mul().set(at);
      c.get(dst)
        .get(at)
        .add()
        .get(dst)
        .get(at)
        .add()
        .v128Load()
        .get(src)
        .get(at)
        .add()
        .v128Load()
        .f32x4Add()
        .v128Store();
    },
    { step: 4 },
  );
  return f.spec();
}

export function convFunctions(fma: boolean): FunctionSpec[] {
  return [pad(), direct(fma, 4), direct(fma, 1), addInto(), zero()];
}
