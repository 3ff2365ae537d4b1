import { allocate } from '../arena';
import { DTypeError } from '../errors';
import { emptyLike, NDArray, ndarray } from '../ndarray';
import { broadcastShapes, sizeOf } from '../shape';
import { broadcastOffsets, repeatingSize } from './strided';

/**
 * An elementwise op is given as its scalar formula: a JavaScript expression in `a` (and `b`), with optional
 * constants `c` and `d` — `'a * b'`, `'Math.exp(a)'`, `'a < c ? c : a > d ? d : a'`. Each formula is compiled
 * once into loops specialised for it. Why not a callback per element: one loop shared by every op calls many
 * different functions from the same place, which V8 cannot inline; a loop of its own per formula, it can.
 * The formulas are the library's own constants, never user input.
 */
export type Formula = string;

type TypedLike = ArrayLike<number> & { [i: number]: number };
type UnaryLoop = (x: TypedLike, z: TypedLike, n: number, c: number, d: number) => void;
interface BinaryLoops {
  /** Same shape: element i with element i. */
  same(x: TypedLike, y: TypedLike, z: TypedLike, n: number): void;
  /** One operand is a single value. */
  scalarB(x: TypedLike, y: TypedLike, z: TypedLike, n: number): void;
  scalarA(x: TypedLike, y: TypedLike, z: TypedLike, n: number): void;
  /** One operand repeats whole every m elements (a bias [C] against [N,H,W,C]). */
  repeatB(x: TypedLike, y: TypedLike, z: TypedLike, n: number, m: number): void;
  repeatA(x: TypedLike, y: TypedLike, z: TypedLike, n: number, m: number): void;
  /** Anything else: explicit offsets into each operand. */
  offsets(x: TypedLike, y: TypedLike, z: TypedLike, n: number, ia: Int32Array, ib: Int32Array): void;
}

const unaryLoops = new Map<Formula, UnaryLoop>();
const binaryLoops = new Map<Formula, BinaryLoops>();

function compileUnary(formula: Formula): UnaryLoop {
  let loop = unaryLoops.get(formula);
  if (!loop) {
    loop = new Function(
      'x',
      'z',
      'n',
      'c',
      'd',
      `for (let i = 0; i < n; i++) { const a = x[i]; z[i] = (${formula}); }`,
    ) as UnaryLoop;
    unaryLoops.set(formula, loop);
  }
  return loop;
}

function compileBinary(formula: Formula): BinaryLoops {
  let loops = binaryLoops.get(formula);
  if (!loops) {
    const body = (a: string, b: string, i: string): string =>
      `{ const a = ${a}; const b = ${b}; z[${i}] = (${formula}); }`;
    const make = (params: string[], code: string) => new Function(...params, code) as never;
    loops = {
      same: make(['x', 'y', 'z', 'n'], `for (let i = 0; i < n; i++) ${body('x[i]', 'y[i]', 'i')}`),
      scalarB: make(['x', 'y', 'z', 'n'], `const y0 = y[0]; for (let i = 0; i < n; i++) ${body('x[i]', 'y0', 'i')}`),
      scalarA: make(['x', 'y', 'z', 'n'], `const x0 = x[0]; for (let i = 0; i < n; i++) ${body('x0', 'y[i]', 'i')}`),
      repeatB: make(
        ['x', 'y', 'z', 'n', 'm'],
        `for (let o = 0; o < n; o += m) for (let j = 0; j < m; j++) ${body('x[o + j]', 'y[j]', 'o + j')}`,
      ),
      repeatA: make(
        ['x', 'y', 'z', 'n', 'm'],
        `for (let o = 0; o < n; o += m) for (let j = 0; j < m; j++) ${body('x[j]', 'y[o + j]', 'o + j')}`,
      ),
      offsets: make(
        ['x', 'y', 'z', 'n', 'ia', 'ib'],
        `for (let i = 0; i < n; i++) ${body('x[ia[i]]', 'y[ib[i]]', 'i')}`,
      ),
    };
    binaryLoops.set(formula, loops);
  }
  return loops;
}

export function checkSameDType(op: string, ...arrays: NDArray[]): void {
  const dtype = arrays[0].dtype;
  for (const a of arrays) {
    if (a.dtype !== dtype) throw new DTypeError(`${op}: dtypes differ: ${dtype} and ${a.dtype}`);
  }
}

/** y = formula(a = x) elementwise; `c` and `d` are constants the formula may use. */
export function map(x: NDArray, formula: Formula, c = 0, d = 0): NDArray {
  const out = allocate(x.dtype, x.data.length, false); // every element written
  compileUnary(formula)(x.data, out, out.length, c, d);
  return ndarray(out, x.shape);
}

/** z = formula(a = x, b = y) elementwise, broadcasting x and y against each other. */
export function zip(x: NDArray, y: NDArray, formula: Formula, op: string): NDArray {
  checkSameDType(op, x, y);
  const shape = broadcastShapes(x.shape, y.shape, op);
  const out = ndarray(allocate(x.dtype, sizeOf(shape), false), shape); // every element written
  const loops = compileBinary(formula);
  const [a, b, z] = [x.data, y.data, out.data];
  const n = z.length;
  const repeatsX = a.length < n ? repeatingSize(shape, x.shape) : -1;
  const repeatsY = b.length < n ? repeatingSize(shape, y.shape) : -1;
  if (n === 0) return out;
  if (a.length === n && b.length === n) loops.same(a, b, z, n);
  else if (a.length === n && b.length === 1) loops.scalarB(a, b, z, n);
  else if (b.length === n && a.length === 1) loops.scalarA(a, b, z, n);
  else if (a.length === n && repeatsY > 0) loops.repeatB(a, b, z, n, repeatsY);
  else if (b.length === n && repeatsX > 0) loops.repeatA(a, b, z, n, repeatsX);
  else loops.offsets(a, b, z, n, broadcastOffsets(shape, x.shape), broadcastOffsets(shape, y.shape));
  return out;
}

/** out = mask ≠ 0 ? x : y, the three broadcast together. */
export function select(mask: NDArray, x: NDArray, y: NDArray, op: string): NDArray {
  checkSameDType(op, mask, x, y);
  const shape = broadcastShapes(broadcastShapes(mask.shape, x.shape, op), y.shape, op);
  const out = emptyLike(x.dtype, shape);
  const [im, ia, ib] = [mask, x, y].map((t) => broadcastOffsets(shape, t.shape));
  for (let i = 0; i < out.data.length; i++) {
    out.data[i] = mask.data[im[i]] !== 0 ? x.data[ia[i]] : y.data[ib[i]];
  }
  return out;
}
