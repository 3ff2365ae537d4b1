import { DTypeError, TripletError } from '../tensor/errors';
import { Rng } from '../tensor/random';
import { formatShape, stridesOf } from '../tensor/shape';
import { GradcheckCase, GradcheckOptions, listOps } from './registry';
import { noGrad } from './tape';
import { withBackend } from '../tensor/backend';
import { Tensor } from './tensor';

export interface GradcheckMismatch {
  input: number;
  index: number[];
  analytic: number;
  numeric: number;
}

export interface GradcheckReport {
  passed: boolean;
  /** Largest |analytic − numeric| over all checked elements. */
  maxAbsError: number;
  /** Largest |analytic − numeric| / max(|numeric|, atol). */
  maxRelError: number;
  /** How many input elements were checked. */
  checked: number;
  /** The element furthest outside the tolerance, when one is. */
  worst: GradcheckMismatch | null;
  message: string;
}

export class GradcheckError extends TripletError {
  constructor(readonly report: GradcheckReport) {
    super(report.message);
  }
}

function unravel(flat: number, shape: readonly number[]): number[] {
  return stridesOf(shape).map((stride, axis) => Math.floor(flat / stride) % shape[axis]);
}

/**
 * Checks the analytic gradient of fn against central finite differences, (f(x+ε) − f(x−ε)) / 2ε, in float64.
 * A non-scalar output is reduced to L = Σ r·fn(x) with fixed random weights r, so every output element counts.
 * An element passes when |analytic − numeric| ≤ atol + rtol·|numeric| (PyTorch's defaults and criterion).
 *
 * An input that is a leaf requiring grad (a layer's parameter) is perturbed in place, as PyTorch's gradcheck does,
 * and its values and `.grad` are restored afterwards; any other input is copied into a fresh leaf.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const {
    eps = 1e-6,
    atol = 1e-5,
    rtol = 1e-3,
    seed = 0,
    raise = true,
    name = fn.name || 'fn',
    backend = 'reference',
  } = options;
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64')
      throw new DTypeError(`gradcheck: input ${i} is ${x.dtype}; finite differences need float64`);
  });
  const leaves = inputs.map((x) => (x.isLeaf && x.requiresGrad ? x : x.clone({ requiresGrad: true })));
  const savedGrads = leaves.map((leaf) => leaf.grad);
  leaves.forEach((leaf) => leaf.zeroGrad());
  try {
    return withBackend(backend, () => compare(fn, inputs, leaves, { eps, atol, rtol, seed, raise, name, backend }));
  } finally {
    leaves.forEach((leaf, i) => (leaf.grad = savedGrads[i]));
  }
}

function compare(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  leaves: Tensor[],
  { eps, atol, rtol, seed, raise, name }: Required<GradcheckOptions>,
): GradcheckReport {
  const out = fn(...leaves);
  const rng = new Rng(seed);
  const weights = new Float64Array(out.size).map(() => rng.uniform(-1, 1));
  const objective = (): number => {
    const y = fn(...leaves).data;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += weights[i] * y[i];
    return sum;
  };
  if (out.requiresGrad) out.backward(new Tensor(weights, out.shape));

  let maxAbsError = 0;
  let maxRelError = 0;
  let checked = 0;
  let worst: GradcheckMismatch | null = null;
  let worstExcess = 0;
  noGrad(() => {
    leaves.forEach((leaf, input) => {
      for (let i = 0; i < leaf.size; i++) {
        const original = leaf.data[i];
        leaf.data[i] = original + eps;
        const plus = objective();
        leaf.data[i] = original - eps;
        const minus = objective();
        leaf.data[i] = original;
        const numeric = (plus - minus) / (2 * eps);
        const analytic = leaf.grad ? leaf.grad.data[i] : 0;
        const error = Math.abs(analytic - numeric);
        const excess = Number.isNaN(error) ? Infinity : error - (atol + rtol * Math.abs(numeric));
        maxAbsError = Math.max(maxAbsError, Number.isNaN(error) ? Infinity : error);
        maxRelError = Math.max(maxRelError, Number.isNaN(error) ? Infinity : error / Math.max(Math.abs(numeric), atol));
        checked++;
        if (excess > worstExcess) {
          worstExcess = excess;
          worst = { input, index: unravel(i, leaf.shape), analytic, numeric };
        }
      }
    });
  });
  const found = worst as GradcheckMismatch | null;
  const passed = found === null;
  const message = passed
    ? `gradcheck ${name}: ok (${checked} elements, max abs error ${maxAbsError.toExponential(2)})`
    : `gradcheck ${name}: input ${found.input} ${formatShape(inputs[found.input].shape)} at [${found.index.join(',')}]: ` +
      `analytic ${found.analytic} vs numeric ${found.numeric} (|diff| ${Math.abs(found.analytic - found.numeric).toExponential(2)}, ` +
      `tolerance ${atol} + ${rtol}·|numeric|)`;
  const report: GradcheckReport = { passed, maxAbsError, maxRelError, checked, worst: found, message };
  if (!passed && raise) throw new GradcheckError(report);
  return report;
}

/** Runs one registered case (its inputs drawn from `seed`, default 0) and reports instead of throwing. */
export function gradcheckCase(c: GradcheckCase, options: GradcheckOptions = {}): GradcheckReport {
  const { inputs, fn } = c.setup(new Rng(options.seed ?? 0));
  return gradcheck(fn, inputs, { ...c.options, ...options, raise: false });
}

/** One registered gradient check, run: which op (or layer, or loss), which case, and the outcome. */
export interface GradcheckRow {
  name: string;
  kind: string;
  label: string;
  report: GradcheckReport;
}

/**
 * Runs the registered gradient checks (all of them, or those of one name), inputs drawn from `seed`.
 * Tolerances given here override each case's own.
 */
export function gradcheckRegistered(
  options: { name?: string; seed?: number; eps?: number; atol?: number; rtol?: number; backend?: string } = {},
): GradcheckRow[] {
  const { name, seed = 0 } = options;
  const overrides = Object.fromEntries(
    Object.entries({ eps: options.eps, atol: options.atol, rtol: options.rtol, backend: options.backend }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const rows: GradcheckRow[] = [];
  for (const info of listOps()) {
    if (!info.differentiable || (name !== undefined && info.name !== name)) continue;
    for (const c of info.cases) {
      const report = gradcheckCase(c, { ...overrides, seed, name: info.name });
      rows.push({ name: info.name, kind: info.kind, label: c.label, report });
    }
  }
  return rows;
}
