import { ConvGeometry } from '../../kernels/conv';
import { Pooling, poolImage, unpoolImage } from './fused-pool';
import { DIRECT_BLOCK } from './wasm/conv-kernel';
import { WASM_MR, WASM_NR } from './wasm/gemm-kernel';
import { Kernels } from './wasm/module';

/**
 * Convolutions with few input channels (the first layer reads one), from the image copied once into a zero-padded
 * grid, where a matrix product over patches would spend its time packing 9-long rows:
 *
 *   forward          directly, each output pixel's channels in registers (two pixels × 16 channels a pass);
 *   filter gradient  as matrix products on the tile kernel, with no patch matrix: over a grid as wide as the
 *                    padded image (dz padded with zero columns to its width), the k-th column of filter row a's
 *                    patches is the image itself from offset a·width + k — A read in place at a uniform stride.
 *
 * The input gradient, which the first layer never needs, takes the general path.
 */
export function directFits(g: ConvGeometry): boolean {
  return g.inC < 8 && g.outC % 4 === 0;
}

/** Whether the filter gradient can run as products over the grid: stride 1, output channels in 8-column panels. */
export function directGradFits(g: ConvGeometry): boolean {
  return directFits(g) && g.strideH === 1 && g.strideW === 1 && g.outC % WASM_NR === 0;
}

/**
 * The zero-padded grid an image is copied into: every window of every output pixel lies inside it, and a row
 * more, which the filter gradient's last products read (times a zero gradient).
 */
export function directGrid(g: ConvGeometry): { rows: number; cols: number; bytes: number } {
  const rows = Math.max((g.outH - 1) * g.strideH + g.kH, g.padTop + g.inH) + 1;
  const cols = Math.max((g.outW - 1) * g.strideW + g.kW, g.padLeft + g.inW);
  return { rows, cols, bytes: Math.ceil((rows * cols * g.inC * 4) / 64) * 64 };
}

/** Rows of the filter gradient's products per filter row: its kW·inC entries, in whole panels of 4. */
export function gradRows(g: ConvGeometry): number {
  return Math.ceil((g.kW * g.inC) / WASM_MR) * WASM_MR;
}

/** The forward's per-thread scratch: the image's grid, then (when pooled) one image of the conv output. */
export function directScratch(g: ConvGeometry): { y: number; bytes: number } {
  const grid = directGrid(g);
  return { y: grid.bytes, bytes: grid.bytes + g.outH * g.outW * g.outC * 4 };
}

/** The filter gradient's per-thread scratch: the image's grid, then dz on a grid as wide. */
export function directGradScratch(g: ConvGeometry): { z: number; bytes: number } {
  const grid = directGrid(g);
  return { z: grid.bytes, bytes: grid.bytes + g.outH * grid.cols * g.outC * 4 };
}

/** Byte offsets of the filter's entries (a, b, ci) from a window's first value in the grid. */
export function directOffsets(g: ConvGeometry): number[] {
  const { cols } = directGrid(g);
  const entries = g.kH * g.kW * g.inC;
  const offsets = new Array<number>(entries);
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
  /** A fused max-pool (forward: its outputs; backward: its winners and values), or none. */
  pool: Pooling;
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
    const y = a.pool.pooled ? a.scratch + directScratch(g).y : a.y + n * yImage;
    // blocks of 16 output channels, then the rest 4 at a time
    const blocked = g.outC - (g.outC % DIRECT_BLOCK);
    const args = [a.scratch, steps.row, steps.pixel, g.outH, g.outW, a.offsets, entries, a.w, g.outC] as const;
    if (blocked > 0) k.direct4(...args, 0, blocked, a.bias, a.relu, y);
    if (blocked < g.outC) k.direct1(...args, blocked, g.outC, a.bias, a.relu, y);
    if (a.pool.pooled) poolImage(k, g, y, n, a.pool);
  }
}

/**
 * Images [n0, n1)'s share of the filter and bias gradients, into this task's partial sums: dw as [kH][gradRows][outC]
 * (the rows past kW·inC of each block are padding, dropped later), db [outC] — the first image stores, the next add.
 */
export function directFilterGrad(k: Kernels, g: ConvGeometry, a: DirectArrays, n0: number, n1: number): void {
  const grid = directGrid(g);
  const z = a.scratch + directGradScratch(g).z;
  const [xImage, yImage] = [g.inH * g.inW * g.inC * 4, g.outH * g.outW * g.outC * 4];
  const rows = gradRows(g);
  for (let n = n0; n < n1; n++) {
    k.pad(a.x + n * xImage, g.inH, g.inW, g.inC, a.scratch, grid.cols, grid.bytes, g.padTop, g.padLeft, 0, 0);
    // dz = dy where y > 0, on a grid as wide as the image's (zero columns past outW); its sums are db's
    const zBytes = g.outH * grid.cols * g.outC * 4;
    if (a.pool.pooled)
      unpoolImage(k, g, a.dy, a.pool, a.relu, n, { at: z, bytes: zBytes, cols: grid.cols, top: 0, left: 0 }, a.db);
    else
      k.pad(a.dy + n * yImage, g.outH, g.outW, g.outC, z, grid.cols, zBytes, 0, 0, a.mask && a.mask + n * yImage, a.db);
    for (let row = 0; row < g.kH; row++) {
      const patches = a.scratch + row * grid.cols * g.inC * 4; // entry (row, b, ci) at + (b·inC + ci)·4, pixel p at + p·inC·4
      for (let j = 0; j < g.outC; j += WASM_NR) {
        k.tiles(
          patches,
          4,
          g.inC * 4,
          z + j * 4,
          g.outC * 4,
          g.outH * grid.cols,
          rows / WASM_MR,
          a.dw + (row * rows * g.outC + j) * 4,
          g.outC * 4,
          n > n0 ? 1 : 0,
        );
      }
    }
  }
}
