import { Backend } from '../backend';
import { conv2dFilterGradReference, conv2dInputGradReference, conv2dReference } from '../kernels/conv';
import { matmulReference } from '../kernels/matmul';
import { maxPool2dReference } from '../kernels/pool';

/** Plain readable loops, exact in float64: the ground truth every other backend is tested against. */
export const referenceBackend: Backend = {
  name: 'reference',
  matmul: matmulReference,
  conv2d: conv2dReference,
  conv2dInputGrad: conv2dInputGradReference,
  conv2dFilterGrad: conv2dFilterGradReference,
  maxPool2d: maxPool2dReference,
};
