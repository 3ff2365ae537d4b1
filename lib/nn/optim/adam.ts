import { getBackend, Tensor, ValueError } from '../../autograd';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** What Adam remembers, by parameter name: the moment estimates and the number of steps taken. */
export interface AdamState {
  step: number;
  m: Map<string, Tensor>;
  v: Map<string, Tensor>;
}

/**
 * Adam as TensorFlow's AdamOptimizer computes it (defaults lr 1e-3, β1 0.9, β2 0.999, ε 1e-8), at step t:
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr_t·m / (√v + ε),   lr_t = lr·√(1 − β2ᵗ) / (1 − β1ᵗ)
 * The bias correction folds into lr_t, so ε is added to √v uncorrected ("ε-hat" in the paper) — which is where
 * TensorFlow and PyTorch differ.
 */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private stepCount = 0;
  private readonly params: Array<[string, Tensor]>;
  private readonly m = new Map<string, Tensor>();
  private readonly v = new Map<string, Tensor>();

  /** Takes named parameters (`model.namedParameters()`) or plain ones (named by position). */
  constructor(params: ReadonlyArray<Tensor | readonly [string, Tensor]>, options: AdamOptions = {}) {
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.lr > 0) || !Number.isFinite(this.lr))
      throw new ValueError(`Adam: lr must be a positive number, got ${this.lr}`);
    for (const [name, beta] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(beta >= 0 && beta < 1)) throw new ValueError(`Adam: ${name} must be in [0, 1), got ${beta}`);
    }
    this.params = params.map((p, i): [string, Tensor] => (p instanceof Tensor ? [String(i), p] : [p[0], p[1]]));
    for (const [name, p] of this.params) {
      if (!p.requiresGrad) throw new ValueError(`Adam: parameter '${name}' does not require grad`);
      this.m.set(
        name,
        new Tensor(
          p.data.map(() => 0),
          p.shape,
        ),
      );
      this.v.set(
        name,
        new Tensor(
          p.data.map(() => 0),
          p.shape,
        ),
      );
    }
  }

  /** Updates taken so far (t in the formulas; TensorFlow's `iterations`). */
  get iterations(): number {
    return this.stepCount;
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.zeroGrad();
  }

  /** One update of every parameter that has a gradient (in place). */
  step(): void {
    this.stepCount++;
    const t = this.stepCount;
    const lrT = (this.lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    const backend = getBackend();
    for (const [name, p] of this.params) {
      if (p.grad === null) continue;
      backend.adamUpdate({
        // the arrays as they are: a backend on a device updates them there
        theta: p.storage,
        grad: p.grad.storage,
        m: this.m.get(name)!.storage,
        v: this.v.get(name)!.storage,
        beta1: this.beta1,
        beta2: this.beta2,
        lrT,
        epsilon: this.epsilon,
      });
    }
  }

  stateDict(): AdamState {
    return { step: this.stepCount, m: new Map(this.m), v: new Map(this.v) };
  }

  /** Restores moments and step; the tensors are copied in. Names and shapes must match the parameters. */
  loadStateDict(state: {
    step: number;
    m: ReadonlyMap<string, { data: ArrayLike<number> }>;
    v: ReadonlyMap<string, { data: ArrayLike<number> }>;
  }): void {
    for (const [name, p] of this.params) {
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!m || !v || m.data.length !== p.size || v.data.length !== p.size) {
        throw new ValueError(`Adam: the saved state has no moments of size ${p.size} for parameter '${name}'`);
      }
      this.m.get(name)!.data.set(m.data);
      this.v.get(name)!.data.set(v.data);
    }
    this.stepCount = state.step;
  }
}
