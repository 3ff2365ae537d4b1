import { maxPool2d, MaxPool2dOptions, relu, reshape, Tensor } from '../../autograd';
import { Module } from '../module';

// Layers without parameters: thin wrappers over one op each, so they can stand in a Sequential.

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class MaxPool2d extends Module {
  constructor(readonly options: MaxPool2dOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }

  override describe(): string {
    const size = this.options.size ?? 2;
    return `MaxPool2d(${size}, stride ${this.options.stride ?? size}, ${this.options.padding ?? 'valid'})`;
  }
}

/** [N, …] → [N, rest]: row-major, so NHWC flattens in TensorFlow's order and dense weights port as they are. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return reshape(x, [x.shape[0], -1]);
  }
}
