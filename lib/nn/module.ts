import { check, GradcheckCase, NDArray, normal, Rng, Shape, Tensor, ValueError } from '../autograd';
import { formatShape } from '../tensor/shape';
import { CheckpointError } from './errors';

/**
 * The base of every layer and network, as PyTorch's nn.Module: named parameters (leaves that require grad),
 * named buffers (state that is saved but not trained, like BatchNorm's moving statistics), child modules, and a
 * train/eval mode. Names nest with dots: `conv1.weight`.
 */
export abstract class Module {
  /** Training mode (the default) or evaluation mode; only some layers (BatchNorm) behave differently. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** One line about this layer for `toString()`, e.g. `Dense(3136 → 64)`. */
  describe(): string {
    return this.constructor.name;
  }

  protected addParameter(name: string, value: Tensor): Tensor {
    if (!value.isLeaf || !value.requiresGrad)
      throw new ValueError(`${this.constructor.name}: parameter '${name}' must be a leaf with requiresGrad`);
    this.params.set(checkName(name, this), value);
    return value;
  }

  protected addBuffer(name: string, value: Tensor): Tensor {
    this.buffers.set(checkName(name, this), value);
    return value;
  }

  protected addModule<M extends Module>(name: string, module: M): M {
    this.children.set(checkName(name, this), module);
    return module;
  }

  namedChildren(): Array<[string, Module]> {
    return [...this.children];
  }

  /** Parameters with their dotted names, in registration order (a module's own, then its children's). */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    return [
      ...[...this.params].map(([name, t]): [string, Tensor] => [prefix + name, t]),
      ...[...this.children].flatMap(([name, child]) => child.namedParameters(`${prefix}${name}.`)),
    ];
  }

  namedBuffers(prefix = ''): Array<[string, Tensor]> {
    return [
      ...[...this.buffers].map(([name, t]): [string, Tensor] => [prefix + name, t]),
      ...[...this.children].flatMap(([name, child]) => child.namedBuffers(`${prefix}${name}.`)),
    ];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((sum, t) => sum + t.size, 0);
  }

  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Everything that defines the model's function: parameters and buffers, by name. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies saved values into this model's tensors (in place, so an optimiser keeps its references). Every name,
   * shape and dtype is checked before anything is copied: a mismatch changes nothing and says which tensor.
   */
  loadStateDict(state: ReadonlyMap<string, NDArray>, source = 'state dict'): void {
    const own = this.stateDict();
    for (const [name, target] of own) {
      const saved = state.get(name);
      if (saved === undefined)
        throw new CheckpointError(
          `${source}: no tensor '${name}' (the model has ${own.size} tensors; is it another architecture?)`,
        );
      if (formatShape(saved.shape) !== formatShape(target.shape)) {
        throw new CheckpointError(
          `${source}: tensor '${name}' has shape ${formatShape(saved.shape)} but the model expects ${formatShape(target.shape)}`,
        );
      }
      if (saved.dtype !== target.dtype)
        throw new CheckpointError(
          `${source}: tensor '${name}' is ${saved.dtype} but the model expects ${target.dtype}`,
        );
    }
    const unexpected = [...state.keys()].filter((name) => !own.has(name));
    if (unexpected.length > 0)
      throw new CheckpointError(
        `${source}: unexpected tensor '${unexpected[0]}' (not in this model; another architecture?)`,
      );
    for (const [name, target] of own) target.data.set(state.get(name)!.data);
  }

  /** The module tree, one layer per line. */
  toString(indent = ''): string {
    if (this.children.size === 0) return this.describe();
    const lines = [...this.children].map(([name, child]) => `${indent}  (${name}): ${child.toString(indent + '  ')}`);
    return `${this.describe()}(\n${lines.join('\n')}\n${indent})`;
  }
}

function checkName(name: string, owner: Module): string {
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new ValueError(`${owner.constructor.name}: '${name}' is not a valid name (letters, digits, _)`);
  return name;
}

/**
 * A gradient check of a layer: the input and the layer's own parameters are all checked (gradcheck perturbs the
 * parameters in place). `build` makes a float64 layer from the generator.
 */
export function moduleCheck(label: string, build: (rng: Rng) => Module, inputShape: Shape): GradcheckCase {
  const base = check((x) => x, [normal(inputShape)], label);
  return {
    label,
    setup: (rng) => {
      const module = build(rng);
      const { inputs } = base.setup(rng);
      return { inputs: [...inputs, ...module.parameters()], fn: (x) => module.forward(x) };
    },
  };
}
