import { Backend } from '../backend';
import { conv2dBackwardReference, conv2dReference } from '../kernels/conv';
import { matmulReference } from '../kernels/matmul';
import { hostValues } from '../device-copies';
import { adamUpdateReference, allFiniteReference, updateOnHost } from '../kernels/optim';
import { conv2dPoolReference, maxPool2dGradReference, maxPool2dReference } from '../kernels/pool';
import { hostArrayOps } from './host';

/** Plain readable loops, exact in float64: the ground truth every other backend is tested against. */
export const referenceBackend: Backend = {
  name: 'reference',
  matmul: matmulReference,
  conv2d: conv2dReference,
  conv2dPool: conv2dPoolReference,
  conv2dBackward: conv2dBackwardReference,
  maxPool2d: maxPool2dReference,
  maxPool2dGrad: maxPool2dGradReference,
  adamUpdate: (update) => adamUpdateReference(updateOnHost(update)),
  firstNonFinite: (arrays) => arrays.findIndex((data) => !allFiniteReference(hostValues(data))),
  ...hostArrayOps,
};
