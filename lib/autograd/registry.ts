import { ValueError } from '../tensor/errors';
import { Rng } from '../tensor/random';
import type { Tensor } from './tensor';

/** How `gradcheck` compares; a registered case may carry its own. */
export interface GradcheckOptions {
  /** Finite-difference step (central differences). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seeds the random projection of the output. */
  seed?: number;
  /** Throw a GradcheckError on failure (default), or just report. */
  raise?: boolean;
  /** Names the function in messages. */
  name?: string;
  /** The kernel backend to differentiate on: 'reference' (default, the ground truth), or another to check it. */
  backend?: string;
}

/**
 * One gradient check: `setup` draws float64 inputs from a seeded generator (away from kinks) and returns them with
 * the function to check. A layer's check returns its own parameters among the inputs, so they are checked too.
 */
export interface GradcheckCase {
  readonly label: string;
  readonly setup: (rng: Rng) => { inputs: Tensor[]; fn: (...inputs: Tensor[]) => Tensor };
  /** Tolerances or step, when the defaults do not suit (say, a float32 round trip inside). */
  readonly options?: GradcheckOptions;
}

/** An op's convention where its derivative is undefined, as the README's table of conventions at kinks shows it. */
export interface Kink {
  /** Where, after the op's name: 'at 0', 'ties'. */
  readonly at: string;
  /** The gradient it gives there. */
  readonly gradient: string;
}

export interface OpInfo {
  readonly name: string;
  /** What it belongs to: 'op' for the engine's ops; layers and losses register their own kinds. */
  readonly kind: string;
  readonly differentiable: boolean;
  readonly cases: readonly GradcheckCase[];
  readonly kink?: Kink;
}

const registry = new Map<string, OpInfo>();

/**
 * Every op the tape can record is registered here with the gradient checks that prove its backward. That is
 * what lets a spec (and `triplet gradcheck`) enumerate all differentiable ops and fail on one left unchecked.
 */
export function registerOp(
  name: string,
  info: { kind?: string; differentiable?: boolean; cases?: readonly GradcheckCase[]; kink?: Kink } = {},
): void {
  if (registry.has(name)) throw new ValueError(`registerOp: '${name}' is already registered`);
  const { kind = 'op', differentiable = true, cases = [], kink } = info;
  registry.set(name, { name, kind, differentiable, cases, ...(kink && { kink }) });
}

export function isRegistered(name: string): boolean {
  return registry.has(name);
}

export function listOps(): OpInfo[] {
  return [...registry.values()];
}
