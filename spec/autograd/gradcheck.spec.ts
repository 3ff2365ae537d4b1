import { expect } from 'chai';
import * as t from '../../lib';
import {
  DTypeError,
  gradcheck,
  gradcheckCase,
  GradcheckError,
  listOps,
  record,
  registerOp,
  Tensor,
  tensor,
} from '../../lib';
import { map } from '../../lib/tensor/kernels/elementwise';

describe('autograd/gradcheck', () => {
  describe('every registered differentiable op, on random float64 inputs', () => {
    const ops = listOps().filter((op) => op.kind === 'op');

    it('covers every differentiable op, layer and loss with at least one case (the README spec holds the list of ops)', () => {
      const registered = listOps().filter((op) => op.kind !== 'spec');
      const unchecked = registered.filter((op) => op.differentiable && op.cases.length === 0).map((op) => op.name);
      expect(unchecked, 'differentiable ops without a gradient check').to.deep.equal([]);
    });

    for (const op of ops.filter((o) => o.differentiable)) {
      for (const c of op.cases) {
        it(`${op.name} ${c.label}`, () => {
          const report = gradcheckCase(c, { seed: 17, name: op.name });
          expect(report.passed, report.message).to.equal(true);
          expect(report.checked).to.be.greaterThan(0);
        });
      }
    }
  });

  describe('the checker itself', () => {
    // An op with a deliberately wrong derivative: d/dx x³ claimed to be 2x² instead of 3x².
    registerOp('spec_wrongCube', { kind: 'spec', cases: [] });
    const wrongCube = (x: Tensor): Tensor =>
      record('spec_wrongCube', [x], map(x, 'a * a * a'), (g) => [t.mul(g, t.mul(t.square(x), 2))]);

    it('fails a wrong gradient and names the input, the element and both values', () => {
      const x = tensor(
        [
          [0.5, -1],
          [2, 1.5],
        ],
        undefined,
        { dtype: 'float64' },
      );
      const report = gradcheck(wrongCube, [x], { raise: false, name: 'wrongCube' });
      expect(report.passed).to.equal(false);
      expect(report.worst).to.not.equal(null);
      // The largest excess is at x = 2: analytic 2·4·r vs numeric 3·4·r.
      expect(report.worst!.index).to.deep.equal([1, 0]);
      expect(report.worst!.numeric / report.worst!.analytic).to.be.closeTo(1.5, 1e-6);
      expect(report.message).to.match(/^gradcheck wrongCube: input 0 \[2,2\] at \[1,0\]: analytic .* vs numeric /);
      expect(() => gradcheck(wrongCube, [x])).to.throw(GradcheckError, /input 0 \[2,2\] at \[1,0\]/);
    });

    it('passes the true gradient of the same function', () => {
      const x = tensor(
        [
          [0.5, -1],
          [2, 1.5],
        ],
        undefined,
        { dtype: 'float64' },
      );
      expect(gradcheck((v) => t.pow(v, 3), [x]).passed).to.equal(true);
    });

    it('catches a gradient missing for one input', () => {
      registerOp('spec_forgetsY', { kind: 'spec', cases: [] });
      const forgetsY = (x: Tensor, y: Tensor): Tensor =>
        record('spec_forgetsY', [x, y], t.mul(x, y), (g) => [t.mul(g, y), null]);
      const report = gradcheck(
        forgetsY,
        [tensor([1, 2], undefined, { dtype: 'float64' }), tensor([3, 4], undefined, { dtype: 'float64' })],
        { raise: false },
      );
      expect(report.passed).to.equal(false);
      expect(report.worst!.input).to.equal(1);
    });

    it('insists on float64 inputs', () => {
      expect(() => gradcheck(t.exp, [tensor([1])])).to.throw(
        DTypeError,
        'gradcheck: input 0 is float32; finite differences need float64',
      );
    });
  });
});
