import { ValueError } from './errors';
import { conv2dFilterGradReference, conv2dInputGradReference, conv2dReference, ConvGeometry } from './kernels/conv';
import { matmulReference } from './kernels/matmul';
import { maxPool2dReference, PoolResult } from './kernels/pool';
import { NDArray } from './ndarray';

/**
 * The hot kernels, behind one small interface so that faster implementations can stand in for the reference
 * loops. Shapes arrive already checked; a backend only computes.
 */
export interface Backend {
  readonly name: string;
  matmul(a: NDArray, b: NDArray, transA: boolean, transB: boolean): NDArray;
  conv2d(x: NDArray, w: NDArray, g: ConvGeometry): NDArray;
  conv2dInputGrad(dy: NDArray, w: NDArray, g: ConvGeometry): NDArray;
  conv2dFilterGrad(x: NDArray, dy: NDArray, g: ConvGeometry): NDArray;
  maxPool2d(x: NDArray, g: ConvGeometry): PoolResult;
}

/** Plain readable loops, exact in float64: the ground truth every other backend is tested against. */
export const referenceBackend: Backend = {
  name: 'reference',
  matmul: matmulReference,
  conv2d: conv2dReference,
  conv2dInputGrad: conv2dInputGradReference,
  conv2dFilterGrad: conv2dFilterGradReference,
  maxPool2d: maxPool2dReference,
};

const backends = new Map<string, Backend>([[referenceBackend.name, referenceBackend]]);
let current: Backend = referenceBackend;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function getBackend(): Backend {
  return current;
}

/** Selects the backend every op uses from now on. */
export function setBackend(name: string): Backend {
  const backend = backends.get(name);
  if (!backend) throw new ValueError(`setBackend: unknown backend '${name}' (known: ${[...backends.keys()].join(', ')})`);
  current = backend;
  return backend;
}
