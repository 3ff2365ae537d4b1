import { expect } from 'chai';
import * as t from '../../lib';
import { Tensor, tensor } from '../../lib';
import {
  expectClose,
  flatIndex,
  indices,
  lcgValues,
  naiveBroadcast,
  naiveConv2d,
  naiveMatmul,
  naiveMaxPool,
  naiveReduce,
  naiveTranspose2d,
  range,
} from '../support/reference';

const f64 = (shape: number[], seed: number): Tensor =>
  tensor(
    lcgValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
    { dtype: 'float64' },
  );

describe('autograd ops: forward values against naive loops', () => {
  describe('elementwise with broadcasting', () => {
    const pairs: Array<[number[], number[]]> = [
      [
        [3, 4],
        [3, 4],
      ],
      [[2, 3, 4], [4]],
      [
        [3, 1],
        [1, 4],
      ],
      [
        [2, 1, 3],
        [4, 1],
      ],
      [[2, 3], []],
    ];
    const binary: Array<[string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number]> = [
      ['add', t.add, (x, y) => x + y],
      ['sub', t.sub, (x, y) => x - y],
      ['mul', t.mul, (x, y) => x * y],
      ['div', t.div, (x, y) => x / y],
      ['maximum', t.maximum, Math.max],
      ['minimum', t.minimum, Math.min],
      ['gt', t.gt, (x, y) => Number(x > y)],
      ['le', t.le, (x, y) => Number(x <= y)],
    ];
    for (const [name, op, f] of binary) {
      it(`${name} on ${pairs.map(([a, b]) => `[${a}]∘[${b}]`).join(', ')}`, () => {
        pairs.forEach(([sa, sb], k) => {
          const a = f64(sa, 10 + k);
          const b = f64(sb, 20 + k);
          const expected = naiveBroadcast(a.data, sa, b.data, sb, f);
          const got = op(a, b);
          expect(got.shape).to.deep.equal(expected.shape);
          expectClose(got.data, expected.values, 1e-15, `${name} [${sa}]∘[${sb}]`);
        });
      });
    }

    it('accepts numbers beside tensors, in the tensor’s dtype', () => {
      const x = tensor([1, 2, 3], undefined, { dtype: 'float64' });
      expect(t.sub(10, x).toArray()).to.deep.equal([9, 8, 7]);
      expect(t.mul(x, 2).dtype).to.equal('float64');
      expect(x.add(1).div(2).toArray()).to.deep.equal([1, 1.5, 2]);
    });

    it('unary ops match Math', () => {
      const x = f64([7], 3);
      const cases: Array<[(v: Tensor) => Tensor, (v: number) => number]> = [
        [t.neg, (v) => -v],
        [t.exp, Math.exp],
        [t.abs, Math.abs],
        [t.square, (v) => v * v],
        [t.relu, (v) => Math.max(v, 0)],
        [t.sign, Math.sign],
        [(v) => t.pow(v, 3), (v) => v ** 3],
        [(v) => t.clamp(v, -0.2, 0.3), (v) => Math.min(Math.max(v, -0.2), 0.3)],
        [t.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
        [t.softplus, (v) => Math.log(1 + Math.exp(v))],
        [(v) => t.log(t.abs(v)), (v) => Math.log(Math.abs(v))],
        [(v) => t.sqrt(t.abs(v)), (v) => Math.sqrt(Math.abs(v))],
      ];
      for (const [op, f] of cases) expectClose(op(x).data, Array.from(x.data, f), 1e-14);
    });

    it('NaN propagates through maximum, minimum, relu, clamp and max, as in TensorFlow (a NaN must not hide as 0)', () => {
      const x = tensor([NaN, 1, -2], undefined, { dtype: 'float64' });
      const y = tensor([0, NaN, 5], undefined, { dtype: 'float64' });
      expect(t.maximum(x, y).toArray()).to.deep.equal([NaN, NaN, 5]);
      expect(t.minimum(x, y).toArray()).to.deep.equal([NaN, NaN, -2]);
      expect(t.relu(x).toArray()).to.deep.equal([NaN, 1, 0]);
      expect(t.clamp(x, -1, 1).toArray()).to.deep.equal([NaN, 1, -1]);
      expect(t.max(x).item()).to.be.NaN;
    });

    it('softplus and sigmoid stay finite far from 0', () => {
      const x = tensor([-800, 800], undefined, { dtype: 'float64' });
      expect(t.softplus(x).toArray()).to.deep.equal([0, 800]);
      expect(t.sigmoid(x).toArray()).to.deep.equal([0, 1]);
    });

    it('where picks by mask with broadcasting; logical ops combine masks', () => {
      const m = tensor([[1], [0]]);
      expect(
        t
          .where(
            m,
            tensor([1, 2]),
            tensor([
              [7, 8],
              [9, 10],
            ]),
          )
          .toArray(),
      ).to.deep.equal([
        [1, 2],
        [9, 10],
      ]);
      const a = tensor([0, 1, 1, 0]);
      const b = tensor([0, 0, 1, 1]);
      expect(t.logicalAnd(a, b).toArray()).to.deep.equal([0, 0, 1, 0]);
      expect(t.logicalOr(a, b).toArray()).to.deep.equal([0, 1, 1, 1]);
      expect(t.logicalNot(a).toArray()).to.deep.equal([1, 0, 0, 1]);
      expect(t.eq(a, b).toArray()).to.deep.equal([1, 0, 1, 0]);
      expect(t.ne(a, b).toArray()).to.deep.equal([0, 1, 0, 1]);
    });
  });

  describe('reductions', () => {
    const shape = [2, 3, 4];
    const x = f64(shape, 5);
    const axesCases: number[][] = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];
    for (const axes of axesCases) {
      it(`sum, mean, max, min over axes [${axes}] of [2,3,4], with and without keepDims`, () => {
        const n = axes.reduce((acc, a) => acc * shape[a], 1);
        const sums = naiveReduce(x.data, shape, axes, (acc, v) => acc + v, 0);
        const expectations: Array<[(keep: boolean) => Tensor, number[]]> = [
          [(keep) => t.sum(x, axes, keep), sums],
          [(keep) => t.mean(x, axes, keep), sums.map((s) => s / n)],
          [(keep) => t.max(x, axes, keep), naiveReduce(x.data, shape, axes, Math.max, -Infinity)],
          [(keep) => t.min(x, axes, keep), naiveReduce(x.data, shape, axes, Math.min, Infinity)],
        ];
        for (const [op, expected] of expectations) {
          expect(op(true).shape).to.deep.equal(shape.map((d, a) => (axes.includes(a) ? 1 : d)));
          expect(op(false).shape).to.deep.equal(shape.filter((_, a) => !axes.includes(a)));
          expectClose(op(false).data, expected, 1e-14);
        }
      });
    }

    it('argmax / argmin along an axis, first index on ties', () => {
      const m = tensor([
        [1, 5, 5],
        [7, 0, 7],
      ]);
      expect(t.argmax(m, 1).toArray()).to.deep.equal([1, 0]);
      expect(t.argmin(m, 1).toArray()).to.deep.equal([0, 1]);
      expect(t.argmax(m, 0).toArray()).to.deep.equal([1, 0, 1]);
    });

    it('norm is the Euclidean norm over the axes', () => {
      const expected = naiveReduce(x.data, shape, [1, 2], (acc, v) => acc + v * v, 0).map(Math.sqrt);
      expectClose(t.norm(x, [1, 2]).data, expected, 1e-14);
      expect(t.norm(tensor([3, 4])).item()).to.equal(5);
    });

    it('sums float32 in float64 (no drift over a million small terms)', () => {
      expect(t.sum(t.full([1_000_000], 0.1)).item()).to.be.closeTo(100000, 0.01);
    });
  });

  describe('layout', () => {
    it('reshape (with -1), expandDims, squeeze', () => {
      const x = tensor(range(6), [2, 3]);
      expect(t.reshape(x, [3, -1]).toArray()).to.deep.equal([
        [0, 1],
        [2, 3],
        [4, 5],
      ]);
      expect(t.expandDims(x, 0).shape).to.deep.equal([1, 2, 3]);
      expect(t.expandDims(x, -1).shape).to.deep.equal([2, 3, 1]);
      expect(t.squeeze(tensor(range(3), [1, 3, 1])).shape).to.deep.equal([3]);
    });

    it('transpose against a naive permutation', () => {
      const shape = [2, 3, 4];
      const x = f64(shape, 8);
      const perm = [2, 0, 1];
      const outShape = perm.map((p) => shape[p]);
      const expected = [...indices(outShape)].map((o) => {
        const src = new Array<number>(3);
        perm.forEach((p, k) => (src[p] = o[k]));
        return x.data[flatIndex(src, shape)];
      });
      const y = t.transpose(x, perm);
      expect(y.shape).to.deep.equal(outShape);
      expectClose(y.data, expected, 0);
      expectClose(t.transpose(tensor(range(6), [2, 3])).data, naiveTranspose2d(range(6), 2, 3), 0);
    });

    it('slice, concat, gather, diag, broadcastTo, cast', () => {
      const x = tensor(range(12), [3, 4]);
      expect(t.slice(x, [1, 1], [2, 2]).toArray()).to.deep.equal([
        [5, 6],
        [9, 10],
      ]);
      expect(t.slice(x, [2, 0], [-1, 3]).toArray()).to.deep.equal([[8, 9, 10]]);
      expect(
        t
          .concat(
            [
              tensor([[1], [2]]),
              tensor([
                [3, 4],
                [5, 6],
              ]),
            ],
            1,
          )
          .toArray(),
      ).to.deep.equal([
        [1, 3, 4],
        [2, 5, 6],
      ]);
      expect(t.concat([tensor([1]), tensor([2, 3])]).toArray()).to.deep.equal([1, 2, 3]);
      expect(t.gather(x, [2, 0, 2]).toArray()).to.deep.equal([
        [8, 9, 10, 11],
        [0, 1, 2, 3],
        [8, 9, 10, 11],
      ]);
      expect(t.diag(x).toArray()).to.deep.equal([0, 5, 10]);
      expect(t.diag(tensor([1, 2])).toArray()).to.deep.equal([
        [1, 0],
        [0, 2],
      ]);
      expect(t.broadcastTo(tensor([[1], [2]]), [2, 2, 3]).toArray()).to.deep.equal([
        [
          [1, 1, 1],
          [2, 2, 2],
        ],
        [
          [1, 1, 1],
          [2, 2, 2],
        ],
      ]);
      const c = t.cast(tensor([0.1], undefined, { dtype: 'float64' }), 'float32');
      expect(c.dtype).to.equal('float32');
      expect(c.data[0]).to.equal(Math.fround(0.1));
    });
  });

  describe('matmul', () => {
    const shapes: Array<[number, number, number]> = [
      [1, 1, 1],
      [3, 7, 5],
      [7, 1, 3],
      [8, 33, 6],
    ];
    for (const [m, k, n] of shapes) {
      it(`[${m},${k}]·[${k},${n}] with every combination of transposes`, () => {
        const a = lcgValues(m * k, m + k);
        const b = lcgValues(k * n, k + n + 1);
        const expected = naiveMatmul(a, b, m, k, n);
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const A = transA
              ? tensor(naiveTranspose2d(a, m, k), [k, m], { dtype: 'float64' })
              : tensor(a, [m, k], { dtype: 'float64' });
            const B = transB
              ? tensor(naiveTranspose2d(b, k, n), [n, k], { dtype: 'float64' })
              : tensor(b, [k, n], { dtype: 'float64' });
            const C = t.matmul(A, B, transA, transB);
            expect(C.shape).to.deep.equal([m, n]);
            expectClose(C.data, expected, 1e-13, `transA=${transA} transB=${transB}`);
          }
        }
      });
    }
  });

  describe('conv2d and maxPool2d (NHWC, TensorFlow padding)', () => {
    it("'same' padding puts the odd padding cell at the bottom/right, as TensorFlow (worked by hand)", () => {
      // 3×3 image 1…9, 2×2 filter of ones: each output sums its window, the window hanging off the bottom/right.
      const x = tensor(
        range(9).map((v) => v + 1),
        [1, 3, 3, 1],
      );
      const y = t.conv2d(x, t.ones([2, 2, 1, 1]));
      expect(t.reshape(y, [3, 3]).toArray()).to.deep.equal([
        [12, 16, 9],
        [24, 28, 15],
        [15, 17, 9],
      ]);
    });

    const convCases: Array<{ x: number[]; w: number[]; stride: [number, number]; padding: 'same' | 'valid' }> = [
      { x: [2, 5, 5, 3], w: [3, 3, 3, 4], stride: [1, 1], padding: 'same' },
      { x: [2, 5, 5, 3], w: [3, 3, 3, 4], stride: [1, 1], padding: 'valid' },
      { x: [1, 7, 6, 2], w: [3, 3, 2, 3], stride: [2, 2], padding: 'same' },
      { x: [1, 7, 6, 2], w: [3, 3, 2, 3], stride: [2, 2], padding: 'valid' },
      { x: [1, 6, 5, 1], w: [2, 3, 1, 2], stride: [2, 1], padding: 'same' },
      { x: [3, 4, 4, 1], w: [1, 1, 1, 5], stride: [1, 1], padding: 'valid' },
      { x: [2, 8, 8, 4], w: [3, 3, 4, 6], stride: [3, 3], padding: 'same' },
    ];
    for (const c of convCases) {
      it(`conv2d [${c.x}] ⋆ [${c.w}] stride [${c.stride}] ${c.padding}`, () => {
        const x = f64(c.x, 31);
        const w = f64(c.w, 32);
        const y = t.conv2d(x, w, { stride: c.stride, padding: c.padding });
        expectClose(y.data, naiveConv2d(x.data, c.x, w.data, c.w, c.stride, c.padding), 1e-13);
      });
    }

    const poolCases: Array<{
      x: number[];
      size: [number, number];
      stride: [number, number];
      padding: 'same' | 'valid';
    }> = [
      { x: [2, 4, 6, 3], size: [2, 2], stride: [2, 2], padding: 'valid' },
      { x: [1, 5, 5, 2], size: [2, 2], stride: [2, 2], padding: 'valid' },
      { x: [1, 5, 5, 2], size: [3, 3], stride: [2, 2], padding: 'same' },
      { x: [1, 7, 5, 1], size: [3, 2], stride: [1, 2], padding: 'same' },
    ];
    for (const c of poolCases) {
      it(`maxPool2d [${c.x}] window [${c.size}] stride [${c.stride}] ${c.padding}`, () => {
        const x = f64(c.x, 41);
        const y = t.maxPool2d(x, { size: c.size, stride: c.stride, padding: c.padding });
        expectClose(y.data, naiveMaxPool(x.data, c.x, c.size, c.stride, c.padding), 0);
      });
    }

    it('the model’s shapes: 28×28×1 → conv 32 → pool → 14×14×32 → conv 64 → pool → 7×7×64', () => {
      const x = t.zeros([2, 28, 28, 1]);
      const h = t.maxPool2d(t.conv2d(x, t.zeros([3, 3, 1, 32])));
      expect(h.shape).to.deep.equal([2, 14, 14, 32]);
      expect(t.maxPool2d(t.conv2d(h, t.zeros([3, 3, 32, 64]))).shape).to.deep.equal([2, 7, 7, 64]);
    });
  });
});
