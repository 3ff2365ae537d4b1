import { getBackend } from '../tensor/backend';
import { ShapeError, ValueError } from '../tensor/errors';
import { NDArray, storageOf } from '../tensor/ndarray';
import { broadcastShapes, formatShape, sameShape, Shape } from '../tensor/shape';
import { isRegistered } from './registry';
import { BackwardFn, fromNDArray, Tensor } from './tensor';

let disabled = 0;

/** Runs fn without recording: nothing computed inside requires grad (evaluation, optimiser updates). */
export function noGrad<T>(fn: () => T): T {
  disabled++;
  try {
    return fn();
  } finally {
    disabled--;
  }
}

export function isGradEnabled(): boolean {
  return disabled === 0;
}

/**
 * Every op ends here: wrap the kernel's result and, when an input requires grad and recording is on, remember
 * how to differentiate it. `backward` null marks a non-differentiable op (comparisons, argmax): its output never
 * requires grad.
 */
export function record(op: string, inputs: readonly Tensor[], result: NDArray, backward: BackwardFn | null): Tensor {
  if (!isRegistered(op)) throw new ValueError(`record: op '${op}' is not registered (call registerOp first)`);
  const track = backward !== null && disabled === 0 && inputs.some((t) => t.requiresGrad);
  return new Tensor(storageOf(result), result.shape, track, track ? { op, inputs, backward } : null);
}

/** Inputs before the tensors computed from them (iterative depth-first search; deep graphs do not overflow). */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: Array<[Tensor, boolean]> = [[root, false]];
  while (stack.length > 0) {
    const [t, childrenDone] = stack.pop()!;
    if (childrenDone) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    for (const input of t.gradFn?.inputs ?? []) {
      if (input.requiresGrad && !visited.has(input)) stack.push([input, false]);
    }
  }
  return order;
}

/**
 * The adjoint of broadcasting: an input broadcast along an axis contributed to every position on it, so its
 * gradient is the sum over that axis.
 */
export function sumTo(grad: Tensor, shape: Shape, op: string): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  if (!sameShape(broadcastShapes(grad.shape, shape, op), grad.shape)) {
    throw new ShapeError(
      `${op}: backward returned a gradient of shape ${formatShape(grad.shape)} for an input of shape ${formatShape(shape)}`,
    );
  }
  const lead = grad.rank - shape.length;
  const axes = grad.shape.map((_, axis) => axis).filter((axis) => axis < lead || shape[axis - lead] === 1);
  const summed = getBackend().reduce(grad, axes, 'sum', op);
  return new Tensor(storageOf(summed), shape);
}

/** Reverse-mode differentiation from `root`, seeded with ∂L/∂root (1 for a scalar). */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new ValueError(
      'backward: this tensor does not require grad (no input had requiresGrad: true, or it was computed under noGrad)',
    );
  }
  if (seed === undefined && root.size !== 1) {
    throw new ValueError(
      `backward: output has shape ${formatShape(root.shape)}; pass the upstream gradient for a non-scalar output`,
    );
  }
  if (seed !== undefined && (!sameShape(seed.shape, root.shape) || seed.dtype !== root.dtype)) {
    throw new ShapeError(
      `backward: gradient ${seed.dtype} ${formatShape(seed.shape)} does not match output ${root.dtype} ${formatShape(root.shape)}`,
    );
  }
  // ∂root/∂root = 1, made where the root is (a backend on a device keeps the whole backward pass there)
  const grads = new Map<Tensor, Tensor>([[root, seed ?? fromNDArray(getBackend().map(root, '1', 0, 0))]]);
  const accumulate = (t: Tensor, g: Tensor): void => {
    const previous = grads.get(t);
    grads.set(t, previous ? fromNDArray(getBackend().zip(previous, g, 'a + b', 'backward')) : g);
  };
  noGrad(() => {
    for (const t of topologicalOrder(root).reverse()) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t); // free intermediate gradients as soon as they are used
      if (t.gradFn === null) {
        t.grad = t.grad ? fromNDArray(getBackend().zip(t.grad, g, 'a + b', 'backward')) : g;
        continue;
      }
      const { op, inputs } = t.gradFn;
      const inputGrads = t.gradFn.backward(g, t);
      inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (gi && input.requiresGrad) accumulate(input, sumTo(gi, input.shape, op));
      });
    }
  });
}
