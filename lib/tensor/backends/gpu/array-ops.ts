import { hostValues } from '../../device-copies';
import { DType } from '../../dtype';
import { broadcastWalk } from '../../kernels/layout';
import { BATCH_ALL_MEAN, FusedLossSums, MeanRule, SEMI_HARD_MEAN, TermOptions } from '../../kernels/triplet';
import { NDArray, storageOf } from '../../ndarray';
import { broadcastShapes, Shape, sizeOf, stridesOf } from '../../shape';
import { ArrayOps, hostArrayOps } from '../host';
import { GeneratedKernel, mapKernel, MAX_RANK, reduceKernel, STRIDED_KERNEL, zipKernel } from './generated';
import { KernelName } from './protocol';

/** An input of a kernel: an array (uploaded unless the device has it), or a number passed as an argument. */
export type Input = NDArray | Int32Array | { number: number };

/** What the array ops need of the gpu backend. */
export interface DeviceContext {
  /** Whether the array's values are on this device (a kernel left them there, or an upload still current). */
  has(x: NDArray): boolean;
  /** Posts a kernel on these inputs: the device buffer its result goes to. */
  run(kernel: KernelName | GeneratedKernel, constants: object, outputLength: number, inputs: Input[]): number;
  /** A result left on the device, as an array whose host values are read back when first read. */
  output(buffer: number, dtype: DType, shape: Shape): NDArray;
}

/** A shape's dims (or an array's strides) padded in front to MAX_RANK, as the constants `${name}0 … ${name}3`. */
function padded(name: string, values: readonly number[], fill: number): Record<string, number> {
  const lead = MAX_RANK - values.length;
  return Object.fromEntries(
    Array.from({ length: MAX_RANK }, (_, k) => [`${name}${k}`, k < lead ? fill : values[k - lead]]),
  );
}

/**
 * The elementwise ops, reductions, layout, the fused losses' sums and the label masks on the device — for float32
 * values of which at least one is there already: what the device computed stays there, and an op on host values
 * alone (a float64 gradient check, a metric) runs as the host's loops rather than uploading them. Ranks past
 * MAX_RANK and empty arrays run on the host too (reading device values back).
 */
export function deviceArrayOps(device: DeviceContext): ArrayOps {
  const onDevice = (outputShape: Shape, ...xs: NDArray[]): boolean =>
    outputShape.length <= MAX_RANK &&
    sizeOf(outputShape) > 0 &&
    xs.every((x) => x.dtype === 'float32' && x.shape.length <= MAX_RANK) &&
    xs.some((x) => device.has(x));
  /** A one-value operand on the host goes in as a number: `mul(x, 2)` uploads nothing. */
  const hostScalar = (x: NDArray): boolean => sizeOf(x.shape) === 1 && !device.has(x);
  const value = (x: NDArray): Input => ({ number: hostValues(storageOf(x))[0] });

  /**
   * A fused loss on D [B,B]: each anchor's parts (`width` of them), their totals, the summary (the loss, the
   * counts) and, when asked, the gradient — the kernels reading D and `extra` (the labels, or semi-hard's choices).
   */
  const fusedLoss = (
    d: NDArray,
    kernels: { parts: KernelName; width: number; grad: KernelName; rule: MeanRule },
    term: TermOptions,
    withGrad: boolean,
    extra: Input,
  ): FusedLossSums => {
    const b = d.shape[0];
    const { width, rule } = kernels;
    const constants = { b, margin: term.margin, soft: term.softMargin ? 1 : 0, ...rule };
    const parts = device.output(device.run(kernels.parts, constants, width * b, [d, extra]), 'float32', [width * b]);
    const totals = device.output(device.run('anchorSumsKernel', { b, width }, width, [parts]), 'float32', [width]);
    const summary = device.output(device.run('lossSummaryKernel', rule, width, [totals]), d.dtype, [width]);
    if (!withGrad) return { summary, grad: null };
    return {
      summary,
      grad: device.output(device.run(kernels.grad, constants, b * b, [d, extra, totals]), d.dtype, [b, b]),
    };
  };

  return {
    map(x, formula, c, d) {
      if (!onDevice(x.shape, x)) return hostArrayOps.map(x, formula, c, d);
      return device.output(device.run(mapKernel(formula), { c, d }, sizeOf(x.shape), [x]), x.dtype, [...x.shape]);
    },
    zip(x, y, formula, op) {
      const shape = broadcastShapes(x.shape, y.shape, op);
      if (!onDevice(shape, x, y)) return hostArrayOps.zip(x, y, formula, op);
      const scalar = hostScalar(y) ? 'b' : hostScalar(x) ? 'a' : null;
      const strides = (t: NDArray): readonly number[] => broadcastWalk(t.shape, shape, op).strides;
      const constants = { ...padded('d', shape, 1), ...padded('sa', strides(x), 0), ...padded('sb', strides(y), 0) };
      const inputs = [scalar === 'a' ? value(x) : x, scalar === 'b' ? value(y) : y];
      return device.output(device.run(zipKernel(formula, scalar), constants, sizeOf(shape), inputs), x.dtype, shape);
    },
    reduce(x, axes, kind, op) {
      const kept = x.shape.map((d, axis) => (axes.includes(axis) ? 1 : d));
      if (!onDevice(kept, x) || sizeOf(x.shape) === 0) return hostArrayOps.reduce(x, axes, kind, op);
      const block = x.shape.map((d, axis) => (axes.includes(axis) ? d : 1));
      const constants = {
        ...padded('d', kept, 1),
        ...padded('r', block, 1),
        ...padded('s', stridesOf(x.shape), 0),
        count: sizeOf(block),
      };
      return device.output(device.run(reduceKernel(kind), constants, sizeOf(kept), [x]), x.dtype, kept);
    },
    strided(x, walk) {
      if (!onDevice(walk.shape, x)) return hostArrayOps.strided(x, walk);
      const constants = { ...padded('d', walk.shape, 1), ...padded('s', walk.strides, 0), base: walk.base };
      return device.output(device.run(STRIDED_KERNEL, constants, sizeOf(walk.shape), [x]), x.dtype, [...walk.shape]);
    },
    diagMatrix(v, rows, cols) {
      if (!onDevice([rows, cols], v)) return hostArrayOps.diagMatrix(v, rows, cols);
      const constants = { cols, length: v.shape[0] };
      return device.output(device.run('diagMatrixKernel', constants, rows * cols, [v]), v.dtype, [rows, cols]);
    },
    tripletBatchAll(d, labels, term, withGrad) {
      if (!onDevice(d.shape, d)) return hostArrayOps.tripletBatchAll(d, labels, term, withGrad);
      const kernels = {
        parts: 'batchAllPartsKernel',
        width: 3,
        grad: 'batchAllSlopeKernel',
        rule: BATCH_ALL_MEAN,
      } as const;
      return fusedLoss(d, kernels, term, withGrad, labels); // the labels go up as float32: exact below 2²⁴
    },
    tripletSemiHard(d, labels, term, withGrad) {
      if (!onDevice(d.shape, d)) return hostArrayOps.tripletSemiHard(d, labels, term, withGrad);
      const b = labels.length;
      const choice = device.output(device.run('semiHardChoiceKernel', { b }, b * b, [d, labels]), 'float32', [b, b]);
      const kernels = {
        parts: 'semiHardPartsKernel',
        width: 2,
        grad: 'semiHardSlopeKernel',
        rule: SEMI_HARD_MEAN,
      } as const;
      return fusedLoss(d, kernels, term, withGrad, choice);
    },
    labelMasks(labels, like) {
      const b = labels.length;
      if (!onDevice([b, b], like)) return hostArrayOps.labelMasks(labels, like);
      const mask = (negative: number): NDArray =>
        device.output(device.run('labelMaskKernel', { b, negative }, b * b, [labels]), like.dtype, [b, b]);
      return { positive: mask(0), negative: mask(1) };
    },
  };
}
