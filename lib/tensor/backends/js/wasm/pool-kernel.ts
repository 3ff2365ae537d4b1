import { FunctionSpec, WasmFunction } from './emit';

/**
 * `maxpool(x, y, argmax, n0, n1, inH, inW, channels, outH, outW, kH, kW, sH, sW)`: max-pooling of images
 * [n0, n1) whose windows lie inside the image (no padding), four channels at a time (channels a multiple of 4).
 * y and argmax (indices into x, in elements) are written in output order. Strictly greater replaces, so the
 * first maximum in window order wins and NaN never replaces — the reference's rule. A 2×2 window (the
 * network's) is unrolled; other sizes loop over the window.
 */
function maxpool(): FunctionSpec {
  const f = new WasmFunction('maxpool', ['x', 'y', 'argmax', 'n0', 'n1', 'inH', 'inW', 'channels', 'outH', 'outW', 'kH', 'kW', 'sH', 'sW']);
  const { x, y, argmax, n0, n1, inH, inW, channels, outH, outW, kH, kW, sH, sW } = f.p;
  const [n, i, j, ch, a, b, row, window, at, out, pixBytes, rowBytes, small] = f.many(13, 'i32');
  const [best, bestIndex, v, mask] = f.many(4, 'v128');
  const c = f.code;

  /** The window's value at byte offset `at` (from x) against the best so far. */
  const consider = (): void => {
    c.get(x).get(at).add().v128Load().set(v);
    c.get(v).get(best).f32x4Gt().set(mask);
    c.get(v).get(best).get(mask).bitselect().set(best);
    c.get(at).i32(2).shrU().i32x4Splat().i32x4Iota().i32x4Add().get(bestIndex).get(mask).bitselect().set(bestIndex);
  };

  c.get(channels).i32(4).mul().set(pixBytes);
  c.get(inW).get(pixBytes).mul().set(rowBytes);
  c.get(kH).i32(2).ne().get(kW).i32(2).ne().add().eqz().set(small); // a 2×2 window
  c.get(n0).get(outH).mul().get(outW).mul().get(pixBytes).mul().set(out);
  c.forLoop(n, n1, () => {
    c.forLoop(i, outH, () => {
      c.get(n).get(inH).mul().get(i).get(sH).mul().add().get(rowBytes).mul().set(row);
      c.forLoop(j, outW, () => {
        c.get(row).get(j).get(sW).mul().get(pixBytes).mul().add().set(window);
        c.forLoop(ch, pixBytes, () => {
          c.get(window).get(ch).add().set(at);
          c.get(x).get(at).add().v128Load().set(best);
          c.get(at).i32(2).shrU().i32x4Splat().i32x4Iota().i32x4Add().set(bestIndex);
          c.get(small).ifElse(
            () => {
              for (const step of [() => c.get(pixBytes), () => c.get(rowBytes).get(pixBytes).sub(), () => c.get(pixBytes)]) {
                c.inc(at, step);
                consider();
              }
            },
            () => {
              c.forLoop(a, kH, () => {
                c.forLoop(b, kW, () => {
                  c.get(a).get(b).add().ifThen(() => {
                    c.get(window).get(ch).add().get(a).get(rowBytes).mul().add().get(b).get(pixBytes).mul().add().set(at);
                    consider();
                  });
                });
              });
            },
          );
          c.get(y).get(out).add().get(best).v128Store();
          c.get(argmax).get(out).add().get(bestIndex).v128Store();
          c.inc(out, 16);
        }, { step: 16 });
      });
    });
  }, { start: n0 });
  return f.spec();
}

/**
 * `maxpool_grad(dy, argmax, dx, count)`: dx[argmax[i]] += dy[i] for i < count — the adjoint of the pooling: each
 * output's gradient goes back to the element that won its window (dx zeroed by the caller; indices in elements
 * from dx).
 */
function maxpoolGrad(): FunctionSpec {
  const f = new WasmFunction('maxpool_grad', ['dy', 'argmax', 'dx', 'count']);
  const { dy, argmax, dx, count } = f.p;
  const [i, at] = f.many(2, 'i32');
  const c = f.code;
  c.forLoop(i, count, () => {
    c.get(dx).get(argmax).get(i).i32(4).mul().add().i32Load().i32(4).mul().add().set(at);
    c.get(at).get(at).f32Load().get(dy).get(i).i32(4).mul().add().f32Load().f32Add().f32Store();
  });
  return f.spec();
}

export function poolFunctions(): FunctionSpec[] {
  return [maxpool(), maxpoolGrad()];
}
