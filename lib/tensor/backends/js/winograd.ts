import { ConvGeometry, geometryKey } from '../../kernels/conv';
import { F2, F4, WinogradTransform } from '../../kernels/winograd';
import { Pooling, poolImage, unpoolImage } from './fused-pool';
import { WASM_MR, WASM_NR } from './wasm/gemm-kernel';
import { Kernels } from './wasm/module';

/**
 * Convolutions by Winograd's algorithm (see kernels/winograd.ts) on the WebAssembly kernels, for 3×3 filters at
 * stride 1. A task takes a group of images and works through them a chunk at a time, everything in the thread's
 * scratch (sized to stay in L2):
 *
 *   forward    pad each image; V = Bᵀ d B for its tiles; Mξ = Vξ·Uξ, one matrix product per point ξ (the
 *              filters' transform U computed once per call); Y = Aᵀ M A + bias, ReLU — straight into y.
 *   backward   pad each image's dz = dy·[y > 0] (summing it per channel: the bias gradient);
 *              input gradient: the Winograd convolution of dz with the flipped filters, into dx;
 *              filter gradient: dM = A dz Aᵀ and V of x, then ∂U += Vξᵀ·dMξ — a partial sum per task,
 *              added up in task order by the caller and brought back by Gᵀ ∂U G.
 */

export type TileSize = 2 | 4;
export const TRANSFORMS: Record<TileSize, WinogradTransform> = { 2: F2, 4: F4 };

/** Bytes of a chunk's transformed input and products: enough rows for the products, little enough to stay in L2. */
const CHUNK_BYTES = 1 << 20;

/** Whether a convolution can run here: 3×3 at stride 1, padding ≤ 2, channels in whole vectors and panels. */
export function winogradFits(g: ConvGeometry): boolean {
  const [padBottom, padRight] = [g.outH + 2 - g.inH - g.padTop, g.outW + 2 - g.inW - g.padLeft];
  const pads = [g.padTop, g.padLeft, padBottom, padRight];
  return (
    g.kH === 3 &&
    g.kW === 3 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    pads.every((p) => p >= 0 && p <= 2) &&
    g.inC % WASM_NR === 0 &&
    g.outC % WASM_NR === 0
  );
}

/** A grid of m×m tiles over an output of outH × outW, read from an input padded to rows × cols. */
interface Tiling {
  tilesH: number;
  tilesW: number;
  perImage: number;
  /** The padded input: (tilesH·m + 2) × (tilesW·m + 2), the image at (top, left). */
  cols: number;
  top: number;
  left: number;
  bytes: (channels: number) => number;
}

function tiling(m: number, outH: number, outW: number, top: number, left: number): Tiling {
  const tilesH = Math.ceil(outH / m);
  const tilesW = Math.ceil(outW / m);
  const rows = tilesH * m + 2;
  const cols = tilesW * m + 2;
  return {
    tilesH,
    tilesW,
    perImage: tilesH * tilesW,
    cols,
    top,
    left,
    bytes: (channels) => rows * cols * channels * 4,
  };
}

/** How a convolution is cut into chunks, and where each thread's buffers lie in its scratch (byte offsets). */
export interface WinogradPlan {
  F: WinogradTransform;
  points: number;
  /** The forward convolution's tiles (over y), and the input gradient's (over x, with dz padded by 2 − pad). */
  forward: Tiling;
  inputGrad: Tiling;
  imagesPerChunk: number;
  /** Floats from one point's inC × outC matrix to the next in U, the flipped filters' U and ∂U (spreadOverCache). */
  pointFloats: number;
  /** Rows of a chunk's V and M (a multiple of 4), for each tiling. */
  rows: { forward: number; inputGrad: number };
  /** Where each pass's buffers lie in a thread's scratch (byte offsets), and the bytes the larger needs. */
  buffers: { forward: ForwardBuffers; backward: BackwardBuffers };
  scratchBytes: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The smallest stride of at least `floats`, in whole cache lines (16 floats), whose multiples fall in at least 8
 * of the L1 cache's 64 sets: a filter's α² Winograd values lie one stride apart, and a stride of a multiple of
 * 4 KiB put all 36 in one set (the transform of 32 × 64 filters ran 14× slower).
 */
function spreadOverCache(floats: number): number {
  let lines = Math.ceil(floats / 16);
  while (gcd(lines, 64) > 8) lines++;
  return lines * 16;
}

/** Plans made so far, by geometry and tile: every task of a job asks for its job's plan (a few kept, per thread). */
const plans = new Map<string, WinogradPlan>();
const PLANS_KEPT = 32;

/** The plan of a convolution (the same object for the same geometry and tile). */
export function winogradPlan(g: ConvGeometry, m: TileSize): WinogradPlan {
  const key = `${m} ${geometryKey(g)}`;
  let plan = plans.get(key);
  if (!plan) {
    if (plans.size === PLANS_KEPT) plans.clear();
    plan = makePlan(g, m);
    plans.set(key, plan);
  }
  return plan;
}

function makePlan(g: ConvGeometry, m: TileSize): WinogradPlan {
  const F = TRANSFORMS[m];
  const points = (m + 2) ** 2;
  const forward = tiling(m, g.outH, g.outW, g.padTop, g.padLeft);
  const inputGrad = tiling(m, g.inH, g.inW, 2 - g.padTop, 2 - g.padLeft);
  const perImage = points * Math.max(forward.perImage, inputGrad.perImage) * (g.inC + g.outC) * 4;
  const imagesPerChunk = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_BYTES / perImage)));
  // slices an exact multiple of 4 KiB apart would put a tile's α² values in one set of the L1 cache: 4 rows more
  const rowsOf = (t: Tiling): number => {
    const rows = Math.ceil((imagesPerChunk * t.perImage) / WASM_MR) * WASM_MR;
    return [g.inC, g.outC].some((c) => (rows * c * 4) % 4096 === 0) ? rows + WASM_MR : rows;
  };
  const rows = { forward: rowsOf(forward), inputGrad: rowsOf(inputGrad) };
  const pointFloats = spreadOverCache(g.inC * g.outC);
  const sizes = { points, forward, inputGrad, imagesPerChunk, rows };
  const buffers = { forward: forwardBuffers(sizes, g), backward: backwardBuffers(sizes, g) };
  const scratchBytes = Math.max(buffers.forward.end, buffers.backward.end);
  return { F, points, forward, inputGrad, imagesPerChunk, pointFloats, rows, buffers, scratchBytes };
}

/** Consecutive buffers from offset 0, each on a cache line; the last entry, `end`, is the bytes used. */
function layout<K extends string>(sizes: Record<K, number>): Record<K | 'end', number> {
  let at = 0;
  const out = {} as Record<K | 'end', number>;
  for (const name of Object.keys(sizes) as K[]) {
    out[name] = at;
    at += Math.ceil(sizes[name] / 64) * 64;
  }
  out.end = at;
  return out;
}

type PlanSizes = Pick<WinogradPlan, 'points' | 'forward' | 'inputGrad' | 'imagesPerChunk' | 'rows'>;
type ForwardBuffers = ReturnType<typeof forwardBuffers>;
type BackwardBuffers = ReturnType<typeof backwardBuffers>;

function forwardBuffers(plan: PlanSizes, g: ConvGeometry) {
  const { points, forward, rows, imagesPerChunk } = plan;
  return layout({
    P: forward.bytes(g.inC),
    V: points * rows.forward * g.inC * 4,
    M: points * rows.forward * g.outC * 4,
    flags: (g.outH + 2) * (g.outW + 2) * 4,
    keep: imagesPerChunk * g.outH * g.outW * 4,
    Y: imagesPerChunk * g.outH * g.outW * g.outC * 4, // the conv output of a chunk, when it is pooled
  });
}

function backwardBuffers(plan: PlanSizes, g: ConvGeometry) {
  const { points, forward, inputGrad, rows } = plan;
  return layout({
    Pz: inputGrad.bytes(g.outC),
    Px: forward.bytes(g.inC),
    Vz: points * rows.inputGrad * g.outC * 4,
    Mx: points * rows.inputGrad * g.inC * 4,
    Vx: points * rows.forward * g.inC * 4,
    dM: points * rows.forward * g.outC * 4,
  });
}

/**
 * For each point ξ: C_ξ = A_ξ·B_ξ on the tile kernel, for the first `used` rows of A's slices (row-major
 * slices of `rows` × k, B's k × n, C's `rows` × n), one 8-column panel at a time.
 */
function productPerPoint(
  w: Kernels,
  plan: WinogradPlan,
  a: number,
  rows: number,
  used: number,
  k: number,
  b: number,
  c: number,
  n: number,
): void {
  const panels = Math.ceil(used / WASM_MR);
  for (let xi = 0; xi < plan.points; xi++) {
    const [aXi, bXi, cXi] = [a + xi * rows * k * 4, b + xi * plan.pointFloats * 4, c + xi * rows * n * 4];
    for (let j = 0; j < n; j += WASM_NR) w.tiles(aXi, k * 4, 4, bXi + j * 4, n * 4, k, panels, cXi + j * 4, n * 4, 0);
  }
}

/** The addresses a forward task works on (byte offsets). */
export interface WinogradForward {
  x: number;
  u: number;
  y: number;
  bias: number;
  relu: number;
  /** With a fused max-pool, where the pooled output goes (y is then unused). */
  pool: Pooling;
  scratch: number;
  /** The thread's scratch for one transform's intermediate. */
  tmp: number;
}

/** Images [n0, n1) of y = x ⋆ w (+ bias, ReLU), from U = the filters' transform (points × inC × outC). */
export function winogradForward(
  w: Kernels,
  plan: WinogradPlan,
  g: ConvGeometry,
  a: WinogradForward,
  n0: number,
  n1: number,
): void {
  const { F, forward: t, imagesPerChunk, rows } = plan;
  const s = plan.buffers.forward;
  const [P, V, M, flags, keep, Y] = [s.P, s.V, s.M, s.flags, s.keep, s.Y].map((o) => a.scratch + o);
  const [xImage, yImage, keepImage] = [g.inH * g.inW * g.inC * 4, g.outH * g.outW * g.outC * 4, g.outH * g.outW * 4];
  for (let n = n0; n < n1; n += imagesPerChunk) {
    const count = Math.min(imagesPerChunk, n1 - n);
    for (let q = 0; q < count; q++) {
      w.pad(a.x + (n + q) * xImage, g.inH, g.inW, g.inC, P, t.cols, t.bytes(g.inC), t.top, t.left, 0, 0);
      w.zero_patches(P, t.cols, g.inC, g.outH, g.outW, flags, keep + q * keepImage);
      kernel(w, 'input', F)(P, t.cols, g.inC, t.tilesH, t.tilesW, V, rows.forward, q * t.perImage, a.tmp);
    }
    productPerPoint(w, plan, V, rows.forward, count * t.perImage, g.inC, a.u, M, g.outC);
    for (let q = 0; q < count; q++) {
      const y = a.pool.pooled ? Y + q * yImage : a.y + (n + q) * yImage;
      const args = [M, rows.forward, q * t.perImage, g.outC, y, g.outH, g.outW, t.tilesH, t.tilesW, a.bias, a.relu];
      kernel(w, 'output', F)(...args, keep + q * keepImage, a.tmp);
      if (a.pool.pooled) poolImage(w, g, y, n + q, a.pool);
    }
  }
}

/** The addresses a backward task works on (byte offsets; 0 for what is not wanted). */
export interface WinogradBackward {
  x: number;
  /** ∂L/∂(the layer's output): the conv's, or with `pool` the pooled one's. */
  dy: number;
  /** The forward output, whose positive entries pass the gradient (the ReLU's), or 0 without ReLU. */
  mask: number;
  /** A fused max-pool's winners and values (dy then goes to the winners, where > 0 with relu), or none. */
  pool: Pooling;
  relu: number;
  /** The flipped filters' transform (points × outC × inC), for the input gradient. */
  uFlipped: number;
  dx: number;
  /** This task's partial sums: ∂U (points × inC × outC) and the bias gradient (outC). */
  dU: number;
  db: number;
  scratch: number;
  tmp: number;
}

/** Images [n0, n1) of the backward pass: dx for them, and their share of ∂U and of the bias gradient. */
export function winogradBackward(
  w: Kernels,
  plan: WinogradPlan,
  g: ConvGeometry,
  a: WinogradBackward,
  n0: number,
  n1: number,
): void {
  const { F, forward: tf, inputGrad: td, imagesPerChunk, rows } = plan;
  const s = plan.buffers.backward;
  const [Pz, Px, Vz, Mx, Vx, dM] = [s.Pz, s.Px, s.Vz, s.Mx, s.Vx, s.dM].map((o) => a.scratch + o);
  const [xImage, yImage] = [g.inH * g.inW * g.inC * 4, g.outH * g.outW * g.outC * 4];
  const dzFirst = Pz + (td.top * td.cols + td.left) * g.outC * 4; // dz's value (0, 0) inside its padding
  for (let n = n0; n < n1; n += imagesPerChunk) {
    const count = Math.min(imagesPerChunk, n1 - n);
    for (let q = 0; q < count; q++) {
      const image = n + q;
      if (a.pool.pooled)
        unpoolImage(
          w,
          g,
          a.dy,
          a.pool,
          a.relu,
          image,
          { at: Pz, bytes: td.bytes(g.outC), cols: td.cols, top: td.top, left: td.left },
          a.db,
        );
      else
        w.pad(
          a.dy + image * yImage,
          g.outH,
          g.outW,
          g.outC,
          Pz,
          td.cols,
          td.bytes(g.outC),
          td.top,
          td.left,
          a.mask && a.mask + image * yImage,
          a.db,
        );
      if (a.dx)
        kernel(w, 'input', F)(Pz, td.cols, g.outC, td.tilesH, td.tilesW, Vz, rows.inputGrad, q * td.perImage, a.tmp);
      if (a.dU) {
        kernel(w, 'grad', F)(dzFirst, td.cols, g.outC, tf.tilesH, tf.tilesW, dM, rows.forward, q * tf.perImage, a.tmp);
        w.pad(a.x + image * xImage, g.inH, g.inW, g.inC, Px, tf.cols, tf.bytes(g.inC), tf.top, tf.left, 0, 0);
        kernel(w, 'input', F)(Px, tf.cols, g.inC, tf.tilesH, tf.tilesW, Vx, rows.forward, q * tf.perImage, a.tmp);
      }
    }
    if (a.dx) {
      productPerPoint(w, plan, Vz, rows.inputGrad, count * td.perImage, g.outC, a.uFlipped, Mx, g.inC);
      for (let q = 0; q < count; q++) {
        kernel(w, 'output', F)(
          Mx,
          rows.inputGrad,
          q * td.perImage,
          g.inC,
          a.dx + (n + q) * xImage,
          g.inH,
          g.inW,
          td.tilesH,
          td.tilesW,
          0,
          0,
          0,
          a.tmp,
        );
      }
    }
    if (a.dU) {
      // ∂Uξ (+)= Vξᵀ·dMξ: the rows of Vξᵀ are V's columns (4 bytes apart), its k steps V's rows
      const tiles = count * tf.perImage;
      const [vRow, mRow] = [rows.forward * g.inC * 4, rows.forward * g.outC * 4];
      for (let xi = 0; xi < plan.points; xi++) {
        for (let j = 0; j < g.outC; j += WASM_NR) {
          const c = a.dU + (xi * plan.pointFloats + j) * 4;
          w.tiles(
            Vx + xi * vRow,
            4,
            g.inC * 4,
            dM + xi * mRow + j * 4,
            g.outC * 4,
            tiles,
            g.inC / WASM_MR,
            c,
            g.outC * 4,
            n > n0 ? 1 : 0,
          );
        }
      }
    }
  }
}

function kernel(w: Kernels, name: 'input' | 'grad' | 'output', F: WinogradTransform): (...args: number[]) => void {
  return w[`${name}${F.m as TileSize}`];
}
