import { ValueError } from '../../tensor/errors';
import { getBackend } from '../../tensor/backend';
import { Formula } from '../../tensor/kernels/elementwise';
import { formatShape, Shape } from '../../tensor/shape';
import { awayFromZero, check, normal, positive, Sampler } from '../cases';
import { GradcheckCase, Kink, registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { asTensor, operands } from './operands';

/*
 * The pointwise ops on one page, one row each, as PyTorch's derivatives.yaml: the forward as a formula (a
 * JavaScript expression in `a`, `b` and the constants `c`, `d`, compiled once into loops by kernels/elementwise.ts),
 * the gradient with its math, and the inputs its gradient check draws (away from any kink). `grad` gets the upstream
 * gradient `g`, the inputs and the output, and returns one gradient per input, each in its input's broadcast shape:
 * the tape sums it back to the input's own shape (tape.ts `sumTo`), so no row reduces anything. `grad: null` marks a
 * piecewise-constant op (a sign, a mask): not differentiable, its output never requires grad.
 */

type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor[];
type BinaryGrad = (g: Tensor, x: Tensor, y: Tensor, z: Tensor) => Tensor[];
type ConstantsGrad = (g: Tensor, x: Tensor, y: Tensor, c: number, d: number) => Tensor[];

interface Row<Grad> {
  /** y = f(a) or z = f(a, b), elementwise. */
  readonly f: Formula;
  readonly grad: Grad | null;
  /** How the README's table of conventions at kinks describes this op's choice (a spec holds the two together). */
  readonly kink?: Kink;
}

interface UnaryRow extends Row<UnaryGrad> {
  /** The input of its gradient check. */
  readonly check?: Sampler;
}

interface BinaryRow extends Row<BinaryGrad> {
  /** The second operand's sampler; the first is normal. Checked in every broadcasting pattern (`broadcasting`). */
  readonly check?: (shape: Shape) => Sampler;
}

interface ConstantsRow extends Row<ConstantsGrad> {
  /** Why the constants are refused, or undefined when they are fine. */
  readonly refuse: (c: number, d: number) => string | undefined;
  readonly check: ReadonlyArray<{ c: number; d?: number; x: Sampler }>;
}

type Unary = (x: TensorLike) => Tensor;
type Binary = (x: TensorLike, y: TensorLike) => Tensor;
type WithConstants = (x: TensorLike, c: number, d?: number) => Tensor;

/** Every pointwise op's formula, with what it reads: an operand (`a`, and constants) or two (`a`, `b`). */
export interface PointwiseFormula {
  readonly op: string;
  readonly formula: Formula;
  readonly operands: 'one' | 'two';
}

const formulas: PointwiseFormula[] = [];

/** The formulas of every pointwise op: what a backend compiles its elementwise kernels from (and is held to). */
export function pointwiseFormulas(): readonly PointwiseFormula[] {
  return formulas;
}

// Each row: what the op is, then ∂ of its output by each input; `x`, `y` the inputs, `y` or `z` the output.
const unary = defineUnary({
  // −x.  ∂(−x)/∂x = −1
  neg: { f: '-a', grad: (g): Tensor[] => [neg(g)], check: normal([3, 4]) },
  // |x|.  ∂|x|/∂x = sign(x), so 0 at 0 (as TensorFlow and PyTorch)
  abs: {
    f: 'Math.abs(a)',
    grad: (g, x): Tensor[] => [mul(g, sign(x))],
    check: awayFromZero([3, 4]),
    kink: { at: 'at 0', gradient: '0' },
  },
  // −1, 0 or 1.  Piecewise constant.
  sign: { f: 'Math.sign(a)', grad: null },
  // x².  ∂x²/∂x = 2x
  square: { f: 'a * a', grad: (g, x): Tensor[] => [mul(g, mul(x, 2))], check: normal([3, 4]) },
  // √x.  ∂√x/∂x = 1 / (2√x), from the output. At 0 that is +∞ (as TensorFlow and PyTorch): a zero upstream gradient
  // gives 0·∞ = NaN, which is why pairwiseDistances adds 1e-16 where a distance is exactly 0 before the root.
  sqrt: {
    f: 'Math.sqrt(a)',
    grad: (g, _x, y): Tensor[] => [div(g, mul(y, 2))],
    check: positive([3, 4], 0.1, 3),
    kink: {
      at: 'at 0',
      gradient: '+∞ (so 0 upstream gives NaN — the reason for the 1e-16 trick in pairwise distances)',
    },
  },
  // eˣ.  ∂eˣ/∂x = eˣ, the output itself
  exp: { f: 'Math.exp(a)', grad: (g, _x, y): Tensor[] => [mul(g, y)], check: normal([3, 4]) },
  // ln x (−∞ at 0, NaN below).  ∂ln x/∂x = 1/x
  log: { f: 'Math.log(a)', grad: (g, x): Tensor[] => [div(g, x)], check: positive([3, 4]) },
  // max(x, 0); NaN stays NaN.  ∂/∂x = [x > 0], so 0 at 0 (TensorFlow and PyTorch agree)
  relu: {
    f: 'a < 0 ? 0 : a',
    grad: (g, x): Tensor[] => [mul(g, gt(x, 0))],
    check: awayFromZero([3, 4]),
    kink: { at: 'at 0', gradient: '0' },
  },
  // σ(x) = 1 / (1 + e⁻ˣ), written so that neither branch overflows.  ∂σ/∂x = σ·(1 − σ)
  sigmoid: {
    f: 'a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))',
    grad: (g, _x, s): Tensor[] => [mul(g, mul(s, sub(1, s)))],
    check: normal([3, 4]),
  },
  // ln(1 + eˣ), as max(x, 0) + ln(1 + e^−|x|) so that large |x| neither overflows nor loses digits.  ∂/∂x = σ(x)
  softplus: {
    f: 'Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)))',
    grad: (g, x): Tensor[] => [mul(g, sigmoid(x))],
    check: normal([3, 4]),
  },
  // 1 where x is 0, else 0 (on masks, any non-zero value is true).
  logicalNot: { f: 'a === 0 ? 1 : 0', grad: null },
});

// Broadcasting: the gradients come back in the output's shape and the tape sums each down to its input's.
const binary = defineBinary({
  // x + y.  ∂/∂x = ∂/∂y = 1
  add: { f: 'a + b', grad: (g): Tensor[] => [g, g], check: normal },
  // x − y.  ∂/∂x = 1, ∂/∂y = −1
  sub: { f: 'a - b', grad: (g): Tensor[] => [g, neg(g)], check: normal },
  // x·y.  ∂/∂x = y, ∂/∂y = x
  mul: { f: 'a * b', grad: (g, x, y): Tensor[] => [mul(g, y), mul(g, x)], check: normal },
  // x / y.  ∂/∂x = 1/y, ∂/∂y = −x/y² = −z/y
  div: { f: 'a / b', grad: (g, _x, y, z): Tensor[] => [div(g, y), neg(mul(g, div(z, y)))], check: awayFromZero },
  // max(x, y); NaN in either gives NaN.  ∂/∂x = [x ≥ y], ∂/∂y = [x < y]: a tie sends it all to x (TensorFlow's rule)
  maximum: {
    f: 'a !== a || a >= b ? a : b',
    grad: (g, x, y): Tensor[] => [mul(g, ge(x, y)), mul(g, lt(x, y))],
    check: normal,
    kink: { at: 'ties', gradient: 'all to the first operand' },
  },
  // min(x, y); NaN in either gives NaN.  ∂/∂x = [x ≤ y], ∂/∂y = [x > y]: a tie sends it all to x
  minimum: {
    f: 'a !== a || a <= b ? a : b',
    grad: (g, x, y): Tensor[] => [mul(g, le(x, y)), mul(g, gt(x, y))],
    check: normal,
    kink: { at: 'ties', gradient: 'all to the first operand' },
  },
  // Comparisons and logic give masks: 0s and 1s in the operands' dtype, so that a mask multiplies directly.
  eq: { f: 'a === b ? 1 : 0', grad: null },
  ne: { f: 'a !== b ? 1 : 0', grad: null },
  gt: { f: 'a > b ? 1 : 0', grad: null },
  ge: { f: 'a >= b ? 1 : 0', grad: null },
  lt: { f: 'a < b ? 1 : 0', grad: null },
  le: { f: 'a <= b ? 1 : 0', grad: null },
  logicalAnd: { f: 'a !== 0 && b !== 0 ? 1 : 0', grad: null },
  logicalOr: { f: 'a !== 0 || b !== 0 ? 1 : 0', grad: null },
});

// Ops with constant operands `c` (and `d`): they are numbers, not tensors, so they get no gradient.
const withConstants = defineWithConstants({
  // xᶜ (a negative base needs an integer c, or the result is NaN, as Math.pow).  ∂xᶜ/∂x = c·xᶜ⁻¹
  pow: {
    f: 'Math.pow(a, c)',
    grad: (g, x, _y, c): Tensor[] => [mul(g, mul(pow(x, c - 1), c))],
    refuse: (c) => (Number.isFinite(c) ? undefined : `the exponent must be a finite number, got ${String(c)}`),
    check: [
      { c: 3, x: normal([3, 4]) },
      { c: -1.5, x: positive([3, 4]) },
      { c: 0.5, x: positive([5]) },
    ],
  },
  // x limited to [c, d] (either bound may be ±Infinity).  ∂/∂x = 1 inside, bounds included (as PyTorch and
  // TensorFlow), 0 outside
  clamp: {
    f: 'a < c ? c : a > d ? d : a',
    grad: (g, x, _y, low, high): Tensor[] => [mul(g, logicalAnd(ge(x, low), le(x, high)))],
    refuse: (low, high) => (low <= high ? undefined : `low (${low}) must not exceed high (${high})`),
    check: [{ c: -0.5, d: 0.7, x: normal([4, 5]) }],
    kink: { at: 'on a bound', gradient: 'passes (1)' },
  },
});

export const { neg, abs, sign, square, sqrt, exp, log, relu, sigmoid, softplus, logicalNot } = unary;
export const { add, sub, mul, div, maximum, minimum, eq, ne, gt, ge, lt, le, logicalAnd, logicalOr } = binary;

/** xᵖ for a number p. */
export const pow = (x: TensorLike, p: number): Tensor => withConstants.pow(x, p);

/** x limited to [low, high]. */
export const clamp = (x: TensorLike, low: number, high: number): Tensor => withConstants.clamp(x, low, high);

// ---- building the ops from their rows -------------------------------------------------------------------------

function register(name: string, row: Row<unknown>, operands: 'one' | 'two', cases: GradcheckCase[]): void {
  formulas.push({ op: name, formula: row.f, operands });
  registerOp(name, { differentiable: row.grad !== null, cases, kink: row.kink });
}

function defineUnary<K extends string>(rows: Record<K, UnaryRow>): Record<K, Unary> {
  return build(rows, (name, row) => {
    const op: Unary = (x) => {
      const a = asTensor(x, name);
      const { grad } = row;
      return record(name, [a], getBackend().map(a, row.f, 0, 0), grad && ((g, y) => grad(g, a, y)));
    };
    register(name, row, 'one', row.check ? [check(op, [row.check])] : []);
    return op;
  });
}

function defineBinary<K extends string>(rows: Record<K, BinaryRow>): Record<K, Binary> {
  return build(rows, (name, row) => {
    const op: Binary = (x, y) => {
      const [a, b] = operands(name, x, y);
      const { grad } = row;
      return record(name, [a, b], getBackend().zip(a, b, row.f, name), grad && ((g, z) => grad(g, a, b, z)));
    };
    register(name, row, 'two', row.check ? broadcasting(op, row.check) : []);
    return op;
  });
}

function defineWithConstants<K extends string>(rows: Record<K, ConstantsRow>): Record<K, WithConstants> {
  return build(rows, (name, row) => {
    const op: WithConstants = (x, c, d = 0) => {
      const a = asTensor(x, name);
      const refusal = row.refuse(c, d);
      if (refusal !== undefined) throw new ValueError(`${name}: ${refusal}`);
      const { grad } = row;
      return record(name, [a], getBackend().map(a, row.f, c, d), grad && ((g, y) => grad(g, a, y, c, d)));
    };
    const label = (k: { c: number; d?: number; x: Sampler }): string =>
      `${formatShape(k.x.shape)}, c = ${k.c}${k.d === undefined ? '' : `, d = ${k.d}`}`;
    register(
      name,
      row,
      'one',
      row.check.map((k) => check((x) => op(x, k.c, k.d), [k.x], label(k))),
    );
    return op;
  });
}

function build<K extends string, R, Op>(rows: Record<K, R>, define: (name: K, row: R) => Op): Record<K, Op> {
  const ops = {} as Record<K, Op>;
  for (const name of Object.keys(rows) as K[]) ops[name] = define(name, rows[name]);
  return ops;
}

/** The broadcasting patterns every binary op is checked on: same shape, trailing, both sides, scalar. */
function broadcasting(op: Binary, second: (shape: Shape) => Sampler): GradcheckCase[] {
  return [
    check(op, [normal([3, 4]), second([3, 4])]),
    check(op, [normal([2, 3, 4]), second([4])]),
    check(op, [normal([3, 1]), second([1, 4])]),
    check(op, [normal([2, 3]), second([])]),
  ];
}
