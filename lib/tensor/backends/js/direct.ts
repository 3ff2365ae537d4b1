import { ConvGeometry } from '../../kernels/conv';
import { DIRECT_BLOCK, DIRECT_GROUP } from './wasm/conv-kernel';
import { Kernels } from './wasm/module';

/**
 * Convolutions with few input channels (the first layer reads one): computed directly on the WebAssembly kernels,
 * each output pixel's channels in registers, from the image copied once into a zero-padded grid — where a matrix
 * product would spend its time packing 9-long patches. Forward (with bias and ReLU) and the filter and bias
 * gradients; the input gradient, which the first layer never needs, takes the general path.
 */
export function directFits(g: ConvGeometry): boolean {
  return g.inC < 8 && g.outC % 4 === 0;
}

/** The zero-padded grid an image is copied into: every window of every output pixel lies inside it. */
export function directGrid(g: ConvGeometry): { rows: number; cols: number; bytes: number } {
  const rows = Math.max((g.outH - 1) * g.strideH + g.kH, g.padTop + g.inH);
  const cols = Math.max((g.outW - 1) * g.strideW + g.kW, g.padLeft + g.inW);
  return { rows, cols, bytes: Math.ceil((rows * cols * g.inC * 4) / 64) * 64 };
}

/** Byte offsets of the filter's entries (a, b, ci) from a window's first value in the grid, padded to groups of 9. */
export function directOffsets(g: ConvGeometry): Int32Array {
  const { cols } = directGrid(g);
  const entries = g.kH * g.kW * g.inC;
  const offsets = new Int32Array(Math.ceil(entries / DIRECT_GROUP) * DIRECT_GROUP);
  for (let e = 0; e < entries; e++) {
    const [a, b, ci] = [Math.floor(e / (g.kW * g.inC)), Math.floor(e / g.inC) % g.kW, e % g.inC];
    offsets[e] = ((a * cols + b) * g.inC + ci) * 4;
  }
  return offsets;
}

/** Bytes from one output pixel's window to the next one's, along a row and down a column of the grid. */
function windowSteps(g: ConvGeometry, cols: number): { row: number; pixel: number } {
  return { row: g.strideH * cols * g.inC * 4, pixel: g.strideW * g.inC * 4 };
}

/** Byte offsets of what a direct job reads and writes (0: none). */
export interface DirectArrays {
  x: number;
  w: number;
  y: number;
  bias: number;
  relu: number;
  dy: number;
  mask: number;
  offsets: number;
  dw: number;
  db: number;
  scratch: number;
}

/** Images [n0, n1) of y = x ⋆ w + bias, ReLU'd when asked. */
export function directForward(k: Kernels, g: ConvGeometry, a: DirectArrays, n0: number, n1: number): void {
  const grid = directGrid(g);
  const steps = windowSteps(g, grid.cols);
  const entries = g.kH * g.kW * g.inC;
  const [xImage, yImage] = [g.inH * g.inW * g.inC * 4, g.outH * g.outW * g.outC * 4];
  for (let n = n0; n < n1; n++) {
    k.pad(a.x + n * xImage, g.inH, g.inW, g.inC, a.scratch, grid.cols, grid.bytes, g.padTop, g.padLeft, 0, 0);
    // blocks of 16 output channels, then the rest 4 at a time
    const blocked = g.outC - (g.outC % DIRECT_BLOCK);
    const args = [a.scratch, steps.row, steps.pixel, g.outH, g.outW, a.offsets, entries, a.w, g.outC] as const;
    if (blocked > 0) k.direct4(...args, 0, blocked, a.bias, a.relu, a.y + n * yImage);
    if (blocked < g.outC) k.direct1(...args, blocked, g.outC, a.bias, a.relu, a.y + n * yImage);
  }
}

/** Images [n0, n1)' share of the filter and bias gradients, added into dw and db (this task's partial sums). */
export function directFilterGrad(k: Kernels, g: ConvGeometry, a: DirectArrays, n0: number, n1: number): void {
  const grid = directGrid(g);
  const [xImage, yImage] = [g.inH * g.inW * g.inC * 4, g.outH * g.outW * g.outC * 4];
  const entries = g.kH * g.kW * g.inC;
  const steps = windowSteps(g, grid.cols);
  for (let n = n0; n < n1; n++) {
    k.pad(a.x + n * xImage, g.inH, g.inW, g.inC, a.scratch, grid.cols, grid.bytes, g.padTop, g.padLeft, 0, 0);
    const mask = a.mask && a.mask + n * yImage;
    k.direct_grad(a.scratch, steps.row, steps.pixel, g.outH, g.outW, a.offsets, entries, a.dy + n * yImage, mask, g.outC, a.dw, a.db);
  }
}
