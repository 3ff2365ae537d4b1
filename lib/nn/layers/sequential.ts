import { Tensor } from '../../autograd';
import { Module } from '../module';

/** Modules applied one after the other. Children are named by position ("0", "1", …) or by the names given. */
export class Sequential extends Module {
  constructor(layers: ReadonlyArray<Module | readonly [string, Module]>) {
    super();
    layers.forEach((entry, i) => {
      const [name, module] = entry instanceof Module ? [String(i), entry] : entry;
      this.addModule(name, module);
    });
  }

  forward(x: Tensor): Tensor {
    return this.namedChildren().reduce((h, [, layer]) => layer.forward(h), x);
  }
}
