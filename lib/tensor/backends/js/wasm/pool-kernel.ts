import { FunctionSpec, WasmFunction } from './emit';

/**
 * `maxpool(x, y, argmax, n0, n1, inH, inW, channels, outH, outW, kH, kW, sH, sW)`: max-pooling of images
 * [n0, n1) whose windows lie inside the image (no padding), four channels at a time (channels a multiple of 4).
 * y and argmax (indices into x, in elements) are written in output order. Strictly greater replaces, so the
 * first maximum in window order wins and NaN never replaces — the reference's rule: best = pmax(best, v) is
 * exactly `v > best ? v : best`, and where it replaced, the candidate's index is kept.
 */
function maxpool(): FunctionSpec {
  const f = new WasmFunction('maxpool', [
    'x',
    'y',
    'argmax',
    'n0',
    'n1',
    'inH',
    'inW',
    'channels',
    'outH',
    'outW',
    'kH',
    'kW',
    'sH',
    'sW',
  ]);
  const { x, y, argmax, n0, n1, inH, inW, channels, outH, outW, kH, kW, sH, sW } = f.p;
  const [n, i, j, ch, a, b, row, window, at, out, pixBytes, rowBytes] = f.many(12, 'i32');
  const [best, bestIndex, v, index, mask, lanes] = f.many(6, 'v128');
  const c = f.code;
  c.get(channels).i32(4).mul().set(pixBytes);
  c.get(inW).get(pixBytes).mul().set(rowBytes);
  c.i32x4Iota().set(lanes);
  c.get(n0).get(outH).mul().get(outW).mul().get(pixBytes).mul().set(out);
  c.forLoop(
    n,
    n1,
    () => {
      c.forLoop(i, outH, () => {
        c.get(n).get(inH).mul().get(i).get(sH).mul().add().get(rowBytes).mul().set(row);
        c.forLoop(j, outW, () => {
          c.get(row).get(j).get(sW).mul().get(pixBytes).mul().add().set(window);
          c.forLoop(
            ch,
            pixBytes,
            () => {
              c.forLoop(a, kH, () => {
                c.forLoop(b, kW, () => {
                  c.get(window).get(ch).add().get(a).get(rowBytes).mul().add().get(b).get(pixBytes).mul().add().set(at);
                  c.get(x).get(at).add().v128Load().set(v);
                  c.get(at).i32(2).shrU().i32x4Splat().get(lanes).i32x4Add().set(index);
                  c.get(a)
                    .get(b)
                    .add()
                    .ifElse(
                      () => {
                        c.get(best).get(v).f32x4Lt().set(mask);
                        c.get(best).get(v).f32x4Pmax().set(best);
                        c.get(index).get(bestIndex).get(mask).bitselect().set(bestIndex);
                      },
                      () => c.get(v).set(best).get(index).set(bestIndex),
                    );
                });
              });
              c.get(y).get(out).add().get(best).v128Store();
              c.get(argmax).get(out).add().get(bestIndex).v128Store();
              c.inc(out, 16);
            },
            { step: 16 },
          );
        });
      });
    },
    { start: n0 },
  );
  return f.spec();
}

/**
 * `maxpool2(x, y, argmax, n0, n1, inH, inW, channels, outH, outW, base)`: the same for 2×2 windows at stride 2 (the
 * network's), unrolled: per output vector four loads along pointers that only move forward, and the index of
 * each candidate from a vector of lane indices that moves with them (`base` added to every index: the pooling of
 * one image held apart, its indices into the whole batch).
 */
function maxpool2(): FunctionSpec {
  const f = new WasmFunction('maxpool2', [
    'x',
    'y',
    'argmax',
    'n0',
    'n1',
    'inH',
    'inW',
    'channels',
    'outH',
    'outW',
    'base',
  ]);
  const { x, y, argmax, n0, n1, inH, inW, channels, outH, outW, base } = f.p;
  const [n, i, j, row, p, out, pixBytes, rowBytes, rowEnd] = f.many(9, 'i32');
  const [best, bestIndex, v, mask, index, right, down, step] = f.many(8, 'v128');
  const c = f.code;
  c.get(channels).i32(4).mul().set(pixBytes);
  c.get(inW).get(pixBytes).mul().set(rowBytes);
  c.get(channels).i32x4Splat().set(right); // index steps to the window's other values
  c.get(inW).get(channels).mul().get(channels).sub().i32x4Splat().set(down);
  c.i32(4).i32x4Splat().set(step);
  c.get(y).get(n0).get(outH).mul().get(outW).mul().get(pixBytes).mul().add().set(out);
  c.forLoop(
    n,
    n1,
    () => {
      c.forLoop(i, outH, () => {
        c.get(x).get(n).get(inH).mul().get(i).i32(2).mul().add().get(rowBytes).mul().add().set(row);
        c.get(row).set(p);
        c.forLoop(j, outW, () => {
          c.get(p).get(pixBytes).add().set(rowEnd);
          c.block().loop();
          c.get(p).get(rowEnd).ltU().eqz().brIf(1);
          c.get(p).get(x).sub().i32(2).shrU().get(base).add().i32x4Splat().i32x4Iota().i32x4Add().set(index);
          c.get(p).v128Load().set(best).get(index).set(bestIndex);
          const candidates: Array<[() => void, number]> = [
            [() => c.get(p).get(pixBytes).add(), right],
            [() => c.get(p).get(rowBytes).add(), down],
            [() => c.get(p).get(rowBytes).add().get(pixBytes).add(), right],
          ];
          for (const [address, move] of candidates) {
            address();
            c.v128Load().set(v);
            c.get(index).get(move).i32x4Add().set(index);
            c.get(best).get(v).f32x4Lt().set(mask);
            c.get(best).get(v).f32x4Pmax().set(best);
            c.get(index).get(bestIndex).get(mask).bitselect().set(bestIndex);
          }
          c.get(out).get(best).v128Store();
          c.get(out).get(argmax).add().get(y).sub().get(bestIndex).v128Store();
          c.inc(out, 16).inc(p, 16);
          c.br(0).end().end();
          c.inc(p, () => c.get(pixBytes)); // over the window's second column
        });
      });
    },
    { start: n0 },
  );
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

/**
 * `unpool(dy, argmax, pooled, pH, pW, base, relu, dst, dstBytes, Wp, C, top, left, outW, sums)`: one image's
 * gradient back through a 2×2, stride-2 max-pool and the ReLU before it, straight into a zero-padded grid: dst
 * (dstBytes, zeroed first) is a [·][Wp][C] grid with the conv's output at (top, left); each pooled value's
 * gradient dy[i] goes to its window's winner (argmax[i] − base, an index into the image's conv output) — with
 * relu, only where the winner, pooled[i], was > 0 — and adds into sums[ch] (the bias gradient; sums 0: none).
 *
 * Four channels at a time and without a branch: a window's four positions are each written once, with the
 * gradient in the lanes whose winner sits there and 0 in the others — the winner's offset from the window's
 * first value (argmax − that value's index) is 0, C, outW·C or outW·C + C, so one comparison per position picks
 * the lanes. C must be a multiple of 4 (a fused pooling's condition).
 */
function unpool(): FunctionSpec {
  const f = new WasmFunction('unpool', [
    'dy',
    'argmax',
    'pooled',
    'pH',
    'pW',
    'base',
    'relu',
    'dst',
    'dstBytes',
    'Wp',
    'C',
    'top',
    'left',
    'outW',
    'sums',
  ]);
  const { dy, argmax, pooled, pH, pW, base, relu, dst, dstBytes, Wp, C, top, left, outW, sums } = f.p;
  const [pi, pj, ch, at, origin, window, right, down, rowC, sum] = f.many(10, 'i32');
  const [keepAll, grad, delta, atRight, atDown, atBoth] = f.many(6, 'v128');
  const c = f.code;
  c.get(dst).i32(0).get(dstBytes).memoryFill();
  c.get(outW).get(C).mul().set(rowC);
  c.get(C).i32(4).mul().set(right);
  c.get(Wp).get(right).mul().set(down);
  c.get(C).i32x4Splat().set(atRight);
  c.get(rowC).i32x4Splat().set(atDown);
  c.get(rowC).get(C).add().i32x4Splat().set(atBoth);
  c.i32(0).get(relu).eqz().sub().i32x4Splat().set(keepAll); // every lane passes without relu
  c.i32(0).set(at);
  c.forLoop(pi, pH, () => {
    c.forLoop(pj, pW, () => {
      // the window's first value, as an index into the image's conv output, and its place in the grid (bytes)
      c.get(pi).i32(2).mul().get(rowC).mul().get(pj).i32(2).mul().get(C).mul().add().get(base).add().set(origin);
      c.get(dst).get(pi).i32(2).mul().get(top).add().get(Wp).mul().get(pj).i32(2).mul().add().get(left).add();
      c.get(C).mul().i32(4).mul().add().set(window);
      c.forLoop(
        ch,
        C,
        () => {
          c.get(dy).get(at).add().v128Load();
          c.get(pooled).get(at).add().v128Load().v128Zero().f32x4Gt().get(keepAll).v128Or();
          c.v128And().set(grad);
          c.get(argmax).get(at).add().v128Load();
          c.get(origin).get(ch).add().i32x4Splat().i32x4Iota().i32x4Add().i32x4Sub().set(delta);
          const positions: Array<[() => void, (() => void) | null]> = [
            [() => c.get(window), null],
            [() => c.get(window).get(right).add(), () => c.get(atRight)],
            [() => c.get(window).get(down).add(), () => c.get(atDown)],
            [() => c.get(window).get(down).add().get(right).add(), () => c.get(atBoth)],
          ];
          for (const [address, offset] of positions) {
            address();
            c.get(grad).get(delta);
            if (offset) offset();
            else c.v128Zero();
            c.i32x4Eq().v128And().v128Store();
          }
          c.get(sums).ifThen(() => {
            c.get(sums).get(ch).i32(4).mul().add().set(sum);
            c.get(sum).get(sum).v128Load().get(grad).f32x4Add().v128Store();
          });
          c.inc(window, 16).inc(at, 16);
        },
        { step: 4 },
      );
    });
  });
  return f.spec();
}

export function poolFunctions(): FunctionSpec[] {
  return [maxpool(), maxpool2(), maxpoolGrad(), unpool()];
}
