import { Formula } from '../../kernels/elementwise';
import { Reduction } from '../../kernels/reduce';

/**
 * The gpu kernels made from text rather than written out in kernels.ts: the elementwise ops, from the very
 * formula strings the CPU loops are compiled from (kernels/elementwise.ts: a JavaScript expression in `a`, `b`,
 * `c`, `d`, which gpu.js transpiles as it does any kernel), and the reductions and strided walks, whose index
 * arithmetic is the same for every rank up to MAX_RANK. A shape of lower rank is padded with 1s in front; a
 * higher rank runs on the host.
 *
 * Indices are split with `quotient` and `remainder` (functions.ts), exact below 2²⁴ as in kernels.ts. The
 * constants name each array's dims and strides: `d0 … d3` the output's, `sa0 … sa3` (and `sb…`) an operand's
 * stride along each output axis (0 where it is broadcast).
 */
export const MAX_RANK = 4;

/** A kernel made from source text, under a name for messages and the table of implementations. */
export interface GeneratedKernel {
  readonly name: string;
  readonly source: string;
}

const AXES = Array.from({ length: MAX_RANK }, (_, k) => k);
const constant = (name: string): string => `this.constants.${name}`;

/** Statements that split `index` into `${v}0 … ${v}3` over the dims named `${dims}0 … ${dims}3`, last axis fastest. */
function split(index: string, v: string, dims: string): string {
  const lines = [`let ${v}Rest = ${index};`];
  for (let k = MAX_RANK - 1; k > 0; k--) {
    lines.push(`const ${v}${k} = remainder(${v}Rest, ${constant(dims + k)});`);
    lines.push(`${v}Rest = quotient(${v}Rest, ${constant(dims + k)});`);
  }
  lines.push(`const ${v}0 = ${v}Rest;`);
  return lines.join('\n  ');
}

/** Σ_k index_k·stride_k: the offset of a multi-index along strides named `${strides}0 …`. */
function offset(index: (k: number) => string, strides: string): string {
  return AXES.map((k) => `${index(k)} * ${constant(strides + k)}`).join(' + ');
}

/** y[i] = f(a = x[i]), with the constants c and d. */
export function mapKernel(formula: Formula): GeneratedKernel {
  const body = `const a = x[this.thread.x];
  const c = ${constant('c')};
  const d = ${constant('d')};
  return ${formula};`;
  return { name: `map(${formula})`, source: `function (x) {\n  ${body}\n}` };
}

/**
 * z[i] = f(a, b) over the output's shape, each operand read along its broadcast strides — or, when `scalar`
 * names one, passed as a number (a host scalar such as the 2 of `mul(x, 2)` needs no upload).
 */
export function zipKernel(formula: Formula, scalar: 'a' | 'b' | null): GeneratedKernel {
  const read = (name: 'a' | 'b', input: string): string =>
    scalar === name ? `const ${name} = ${input};` : `const ${name} = ${input}[${offset((k) => `i${k}`, `s${name}`)}];`;
  const body = `${split('this.thread.x', 'i', 'd')}
  ${read('a', 'x')}
  ${read('b', 'y')}
  return ${formula};`;
  return { name: `zip(${formula})`, source: `function (x, y) {\n  ${body}\n}` };
}

/**
 * The sum, max or min over the reduced axes: output element o (over the kept shape, `d…`, reduced axes 1) walks
 * the `count` elements of the reduced block (dims `r…`, 1 on kept axes) along x's strides `s…`, in order.
 * One thread per output and no tree (gpu.js has no workgroup memory): fine for the network's bias gradients and
 * norms, slow for one sum over millions of values.
 */
export function reduceKernel(kind: Reduction): GeneratedKernel {
  const at = (j: string): string => `x[${offset((k) => `(o${k} + ${j}${k})`, 's')}]`;
  const combine = kind === 'sum' ? 'acc + v' : `Math.${kind}(acc, v)`;
  // a sum starts at 0; a max or min at the block's first element, and goes on from the second
  const start = kind === 'sum' ? '0' : `x[${offset((k) => `o${k}`, 's')}]`;
  const body = `${split('this.thread.x', 'o', 'd')}
  let acc = ${start};
  for (let j = ${kind === 'sum' ? 0 : 1}; j < ${constant('count')}; j++) {
    ${split('j', 'r', 'r')}
    const v = ${at('r')};
    acc = ${combine};
  }
  return acc;`;
  return { name: `reduce(${kind})`, source: `function (x) {\n  ${body}\n}` };
}

/** out[i] = x[base + Σ_k i_k·s_k] over the output's shape: a transpose, slice, broadcast or diagonal. */
export const STRIDED_KERNEL: GeneratedKernel = {
  name: 'strided',
  source: `function (x) {
  ${split('this.thread.x', 'i', 'd')}
  return x[${constant('base')} + ${offset((k) => `i${k}`, 's')}];
}`,
};
