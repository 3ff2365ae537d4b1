import { getBackend, Tensor, TypedArray } from '../autograd';
import { Module } from './module';
import { Adam } from './optim/adam';
import { newArray } from '../tensor/dtype';

/**
 * Keeps tensors — a model's parameters and buffers, an optimiser's moments — in the memory of the backend in use
 * for as long as they train, so that the kernels read and update them in place (the js backend: its shared
 * WebAssembly memory; otherwise nothing moves). `release()` moves them back into plain arrays and frees the
 * backend's memory; it must run before the tensors outlive the training (the trainer does it in a finally).
 */
export function holdInBackend(tensors: readonly Tensor[]): { release(): void } {
  const source = getBackend().arrays;
  if (!source) return { release: () => undefined };
  const held: Array<[Tensor, TypedArray]> = tensors.map((t) => {
    const resident = source.make(t.dtype, t.size) as TypedArray;
    t.moveTo(resident);
    return [t, resident];
  });
  return {
    release() {
      for (const [t, resident] of held) {
        t.moveTo(newArray(t.dtype, t.size));
        source.release(resident);
      }
      held.length = 0;
    },
  };
}

/** What outlives a training step: the model's parameters and buffers, and the optimiser's moments. */
export function trainingState(model: Module, optimizer: Adam): Tensor[] {
  const { m, v } = optimizer.stateDict();
  return [...model.stateDict().values(), ...m.values(), ...v.values()];
}
