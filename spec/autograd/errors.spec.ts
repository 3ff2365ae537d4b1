import { expect } from 'chai';
import * as t from '../../lib';
import { DTypeError, ShapeError, TripletError, tensor, ValueError, zeros } from '../../lib';

describe('autograd: errors name the op and the shapes', () => {
  const cases: Array<[string, () => unknown, new (message: string) => TripletError, string | RegExp]> = [
    [
      'matmul inner dims',
      () => t.matmul(zeros([64, 3136]), zeros([3135, 64])),
      ShapeError,
      'matmul: inner dimensions differ: [64,3136] x [3135,64]',
    ],
    [
      'matmul rank',
      () => t.matmul(zeros([2, 3, 4]), zeros([4, 5])),
      ShapeError,
      'matmul: expects 2-D tensors, got [2,3,4] x [4,5]',
    ],
    [
      'matmul dtype mix',
      () => t.matmul(zeros([2, 2]), zeros([2, 2], { dtype: 'float64' })),
      DTypeError,
      'matmul: dtypes differ: float32 and float64',
    ],
    ['add broadcast', () => t.add(zeros([2, 3]), zeros([4])), ShapeError, 'add: shapes [2,3] and [4] do not broadcast'],
    [
      'mul dtype mix',
      () => t.mul(zeros([2]), zeros([2], { dtype: 'float64' })),
      DTypeError,
      'mul: dtypes differ: float32 and float64',
    ],
    [
      'reshape size',
      () => t.reshape(zeros([2, 3]), [4, 2]),
      ShapeError,
      'reshape: cannot reshape [2,3] (6 elements) to [4,2]',
    ],
    [
      'reshape two -1',
      () => t.reshape(zeros([2, 3]), [-1, -1]),
      ShapeError,
      'reshape: at most one dimension may be -1, got [-1,-1]',
    ],
    ['reshape negative', () => t.reshape(zeros([2, 3]), [-2, 3]), ShapeError, /reshape: invalid shape/],
    [
      'conv2d channels',
      () => t.conv2d(zeros([1, 5, 5, 3]), zeros([3, 3, 2, 8])),
      ShapeError,
      'conv2d: input has 3 channels but the filter expects 2: [1,5,5,3] ⋆ [3,3,2,8]',
    ],
    [
      'conv2d rank',
      () => t.conv2d(zeros([5, 5, 3]), zeros([3, 3, 3, 8])),
      ShapeError,
      'conv2d: input must be NHWC [batch,height,width,channels], got [5,5,3]',
    ],
    [
      'conv2d window too big',
      () => t.conv2d(zeros([1, 2, 2, 1]), zeros([3, 3, 1, 1]), { padding: 'valid' }),
      ShapeError,
      /does not fit input \[1,2,2,1\]/,
    ],
    [
      'conv2d stride',
      () => t.conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 1]), { stride: 0 }),
      ValueError,
      'conv2d: stride must be a positive integer or a pair of them, got 0',
    ],
    [
      'conv2d padding',
      () => t.conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 1]), { padding: 'full' as never }),
      ValueError,
      "conv2d: padding must be 'same' or 'valid', got full",
    ],
    ['sum axis', () => t.sum(zeros([2, 3]), 2), ValueError, 'sum: axis 2 is out of range for a tensor of rank 2'],
    ['squeeze non-1', () => t.squeeze(zeros([2, 3]), 0), ShapeError, 'squeeze: axis 0 of [2,3] has size 2, not 1'],
    [
      'transpose perm',
      () => t.transpose(zeros([2, 3]), [0, 0]),
      ValueError,
      'transpose: [0,0] is not a permutation of the 2 axes',
    ],
    [
      'concat shapes',
      () => t.concat([zeros([2, 3]), zeros([3, 3])], 1),
      ShapeError,
      'concat: shapes [2,3], [3,3] differ outside axis 1',
    ],
    [
      'slice bounds',
      () => t.slice(zeros([2, 3]), [1, 2], [2, 1]),
      ShapeError,
      'slice: begin [1,2] and size [2,1] do not fit inside [2,3]',
    ],
    [
      'gather index',
      () => t.gather(zeros([2, 3]), [0, 2]),
      ValueError,
      'gather: index 2 (position 1) is out of range for 2 rows',
    ],
    ['diag rank', () => t.diag(zeros([2, 2, 2])), ShapeError, 'diag: expects a vector or a matrix, got [2,2,2]'],
    ['clamp bounds', () => t.clamp(zeros([2]), 1, 0), ValueError, 'clamp: low (1) must not exceed high (0)'],
    ['pow exponent', () => t.pow(zeros([2]), NaN), ValueError, 'pow: the exponent must be a finite number, got NaN'],
    [
      'not a tensor',
      () => t.exp([1, 2] as never),
      ValueError,
      'exp: expected a Tensor or a number, got an array (wrap it with tensor(...))',
    ],
    [
      'where shapes',
      () => t.where(zeros([2]), zeros([3]), 1),
      ShapeError,
      'where: shapes [2] and [3] do not broadcast',
    ],
    [
      'cast dtype',
      () => t.cast(zeros([1]), 'int32' as never),
      DTypeError,
      "cast: unknown dtype 'int32' (use 'float32' or 'float64')",
    ],
    ['max of empty', () => t.max(zeros([0])), ValueError, 'max: cannot reduce an empty tensor'],
    [
      'broadcastTo',
      () => t.broadcastTo(tensor([1, 2]), [3]),
      ShapeError,
      'broadcastTo: shapes [2] and [3] do not broadcast',
    ],
  ];

  for (const [what, run, type, message] of cases) {
    it(what, () => {
      expect(run).to.throw(type);
      expect(run).to.throw(TripletError);
      if (typeof message === 'string') expect(run).to.throw(message);
    });
  }

  it('matmul says which operands were transposed', () => {
    expect(() => t.matmul(zeros([3, 4]), zeros([3, 4]), false, true)).to.not.throw();
    expect(() => t.matmul(zeros([3, 4]), zeros([3, 4]), true, true)).to.throw(
      ShapeError,
      'matmul: inner dimensions differ: [3,4] x [3,4] (transposeA, transposeB)',
    );
  });
});
