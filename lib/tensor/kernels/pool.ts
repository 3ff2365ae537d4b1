import { allocateIndices } from '../arena';
import { emptyLike, NDArray } from '../ndarray';
import { conv2dReference, ConvGeometry, Epilogue, forEachWindowTap } from './conv';

export interface PoolResult {
  y: NDArray;
  /** For each output element, the flat index into x of the element that won its window. */
  argmax: Int32Array;
}

/**
 * y[n,oh,ow,c] = max over the window of x[n, oh·s + kh − pad, ow·s + kw − pad, c]; padding never wins.
 * Ties: the first maximal element in window order (row by row) wins, and only it receives gradient.
 */
export function maxPool2dReference(x: NDArray, g: ConvGeometry): PoolResult {
  const y = emptyLike(x.dtype, [g.batch, g.outH, g.outW, g.inC]);
  const argmax = allocateIndices(y.data.length);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        for (let c = 0; c < g.inC; c++) {
          let best = -Infinity;
          let bestIndex = -1;
          forEachWindowTap(g, n, oh, ow, (pixel) => {
            const xi = pixel * g.inC + c;
            if (bestIndex < 0 || x.data[xi] > best) [best, bestIndex] = [x.data[xi], xi];
          });
          const yi = ((n * g.outH + oh) * g.outW + ow) * g.inC + c;
          y.data[yi] = best;
          argmax[yi] = bestIndex;
        }
      }
    }
  }
  return { y, argmax };
}

/** The adjoint of max-pooling: each output's gradient goes back to the element that won its window. */
export function maxPool2dGradReference(dy: NDArray, argmax: Int32Array, g: ConvGeometry): NDArray {
  const dx = emptyLike(dy.dtype, [g.batch, g.inH, g.inW, g.inC]);
  for (let i = 0; i < argmax.length; i++) dx.data[argmax[i]] += dy.data[i];
  return dx;
}

/** A conv layer's output max-pooled: conv (+ bias, ReLU), then the pooling of `pool`'s windows over its output. */
export function conv2dPoolReference(
  x: NDArray,
  w: NDArray,
  g: ConvGeometry,
  epilogue: Epilogue | undefined,
  pool: ConvGeometry,
): PoolResult {
  return maxPool2dReference(conv2dReference(x, w, g, epilogue), pool);
}
