import { FunctionSpec, WasmFunction } from './emit';

/**
 * `adam(theta, grad, m, v, count, constants)`: Adam's update of `count` parameters (a multiple of 4), four at a
 * time, in float32 — with constants = [β1, 1 − β1, β2, 1 − β2, lr_t, ε] (floats at that byte offset):
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²,   θ ← θ − lr_t·m / (√v + ε)
 * (kernels/optim.ts has the formula and the reference loop). Multiplies and adds stay separate, so the result
 * does not depend on whether the machine fuses them.
 */
function adam(): FunctionSpec {
  const f = new WasmFunction('adam', ['theta', 'grad', 'm', 'v', 'count', 'constants']);
  const { theta, grad, m, v, count, constants } = f.p;
  const [i, at] = f.many(2, 'i32');
  const [b1, c1, b2, c2, lr, eps, g, mi, vi] = f.many(9, 'v128');
  const c = f.code;
  [b1, c1, b2, c2, lr, eps].forEach((local, k) =>
    c
      .get(constants)
      .load32Splat(4 * k)
      .set(local),
  );
  c.forLoop(
    i,
    count,
    () => {
      c.get(i).i32(4).mul().set(at);
      c.get(grad).get(at).add().v128Load().set(g);
      c.get(b1).get(m).get(at).add().v128Load().f32x4Mul().get(c1).get(g).f32x4Mul().f32x4Add().set(mi);
      c.get(b2)
        .get(v)
        .get(at)
        .add()
        .v128Load()
        .f32x4Mul()
        .get(c2)
        .get(g)
        .get(g)
        .f32x4Mul()
        .f32x4Mul()
        .f32x4Add()
        .set(vi);
      c.get(m).get(at).add().get(mi).v128Store();
      c.get(v).get(at).add().get(vi).v128Store();
      c.get(theta).get(at).add();
      c.get(theta).get(at).add().v128Load();
      c.get(lr).get(mi).f32x4Mul().get(vi).f32x4Sqrt().get(eps).f32x4Add().f32x4Div();
      c.f32x4Sub().v128Store();
    },
    { step: 4 },
  );
  return f.spec();
}

/**
 * `finite(data, count, out)`: out (an int32) = 1 when all `count` floats (a multiple of 4) are finite, else 0.
 * x − x is 0 for every finite x and NaN for ±∞ and NaN, so one comparison per vector, or-ed together.
 */
function finite(): FunctionSpec {
  const f = new WasmFunction('finite', ['data', 'count', 'out']);
  const { data, count, out } = f.p;
  const [i] = f.many(1, 'i32');
  const [x, bad, zero] = f.many(3, 'v128');
  const c = f.code;
  c.v128Zero().set(bad).v128Zero().set(zero);
  c.forLoop(
    i,
    count,
    () => {
      c.get(data).get(i).i32(4).mul().add().v128Load().set(x);
      c.get(bad).get(x).get(x).f32x4Sub().get(zero).f32x4Ne().v128Or().set(bad);
    },
    { step: 4 },
  );
  c.get(out).get(bad).v128AnyTrue().eqz().i32Store();
  return f.spec();
}

export function optimFunctions(): FunctionSpec[] {
  return [adam(), finite()];
}
