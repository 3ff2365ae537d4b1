import { expect } from 'chai';
import * as t from '../lib';

/**
 * Every public function checks its arguments and throws a typed error a user can act on. Cases covered by the
 * specs of their own module (ops, losses, checkpoints, params, data) are not repeated here.
 */
describe('library: public functions refuse malformed input with typed errors', () => {
  const e = t.randn([4, 3], new t.Rng(1));
  const cases: Array<[string, () => unknown, new (m: string) => t.TripletError, RegExp]> = [
    [
      'tensor with an unknown dtype',
      () => t.tensor([1], undefined, { dtype: 'int8' as never }),
      t.DTypeError,
      /unknown dtype 'int8'/,
    ],
    ['zeros with a fractional size', () => t.zeros([2.5]), t.ShapeError, /invalid shape \[2\.5\]/],
    ['uniform without a generator', () => t.uniform([2], {} as never), t.ValueError, /pass a seeded Rng/],
    ['Rng.int with n = 0', () => new t.Rng(1).int(0), t.ValueError, /Rng\.int: n must be an integer/],
    [
      'setBackend with an unknown name',
      () => t.setBackend('cuda'),
      t.ValueError,
      /unknown backend 'cuda' \(known: reference, js, gpu\)/,
    ],
    [
      'a loss with labels for another batch',
      () => t.batchHardTripletLoss([0, 1], e, 0.5),
      t.ShapeError,
      /2 labels for a batch of 4 embeddings/,
    ],
    [
      'a loss with an infinite margin',
      () => t.batchSemiHardTripletLoss([0, 1, 0, 1], e, Infinity),
      t.ValueError,
      /margin must be a finite number/,
    ],
    [
      'pairwiseDistances of a vector',
      () => t.pairwiseDistances(t.zeros([3])),
      t.ShapeError,
      /embeddings must be a matrix \[B,D\], got \[3\]/,
    ],
    [
      'masks with non-integer labels',
      () => t.anchorPositiveMask([0, 1.5]),
      t.ValueError,
      /label 1 is 1\.5, not an integer/,
    ],
    [
      'retrievalMetrics of one item',
      () => t.retrievalMetrics(t.zeros([1, 3]), [0]),
      t.ShapeError,
      /needs embeddings \[N,D\] with N ≥ 2/,
    ],
    [
      'retrievalMetrics with too few labels',
      () => t.retrievalMetrics(e, [0, 1]),
      t.ShapeError,
      /2 labels for a batch of 4 embeddings/,
    ],
    ['nearestNeighbors with k too large', () => t.nearestNeighbors(e, 4), t.ValueError, /k must be in \[1, 3\], got 4/],
    [
      'kmeans with more clusters than points',
      () => t.kmeans(new Float64Array(6), 3, 2, 4, new t.Rng(1)),
      t.ValueError,
      /k must be in \[1, 3\], got 4/,
    ],
    [
      'normalizedMutualInformation of unequal lengths',
      () => t.normalizedMutualInformation([0, 1], [0]),
      t.ShapeError,
      /2 labels against 1/,
    ],
    [
      'Adam with beta2 = 1',
      () => new t.Adam([t.zeros([1], { requiresGrad: true })], { beta2: 1 }),
      t.ValueError,
      /beta2 must be in \[0, 1\), got 1/,
    ],
    [
      'BatchNorm with momentum 1',
      () => new t.BatchNorm(3, { momentum: 1 }),
      t.ValueError,
      /momentum must be in \[0, 1\), got 1/,
    ],
    [
      'EmbeddingNet with 0 channels',
      () => new t.EmbeddingNet({ imageSize: 28, numChannels: 0, embeddingSize: 4 }, new t.Rng(1)),
      t.ValueError,
      /numChannels must be an integer ≥ 1, got 0/,
    ],
    [
      'EmbeddingNet on images of another size',
      () =>
        new t.EmbeddingNet({ imageSize: 8, numChannels: 1, embeddingSize: 2 }, new t.Rng(1)).forward(
          t.zeros([1, 9, 9, 1]),
        ),
      t.ShapeError,
      /expects images \[N,8,8,1\]/,
    ],
    [
      'loadStateDict with a missing tensor',
      () => new t.Dense(2, 2, new t.Rng(1)).loadStateDict(new Map(), 'saved'),
      t.CheckpointError,
      /saved: no tensor 'weight'/,
    ],
    [
      'loadCheckpoint of a missing file',
      () => t.loadCheckpoint('/nonexistent/x.safetensors'),
      t.CheckpointError,
      /no checkpoint at \/nonexistent\/x\.safetensors/,
    ],
    [
      'decodeSafetensors of a few bytes',
      () => t.decodeSafetensors(Buffer.from([1, 2]), 'bytes'),
      t.CheckpointError,
      /bytes: truncated \(2 bytes/,
    ],
    [
      'parseParams of a non-object',
      () => t.parseParams('42', 'p.json'),
      t.ConfigError,
      /p\.json: must hold a JSON object/,
    ],
    [
      'imageBatch with an index past the end',
      () => t.imageBatch(t.loadEmbeddedDigits().test, [5, 2000]),
      t.ValueError,
      /index 2000 out of range for 2000 images/,
    ],
    [
      'epochBatches with K not dividing the batch',
      () =>
        t.epochBatches(
          new Uint8Array(8),
          { batchSize: 6, sampler: 'balanced', imagesPerClass: 4, dropLast: false },
          new t.Rng(1),
        ),
      t.ValueError,
      /batch size 6 is not a multiple of images per class 4/,
    ],
    ['loadIdxDirectory of a file', () => t.loadIdxDirectory(__filename), t.DataError, /no such data directory/],
    [
      'writeFileAtomic under a file',
      () => t.writeFileAtomic(`${__filename}/x`, 'x'),
      t.FileError,
      /cannot write .*: a parent is not a directory \(ENOTDIR\)/,
    ],
    [
      'gradcheck on float32',
      () => t.gradcheck(t.relu, [t.zeros([2])]),
      t.DTypeError,
      /finite differences need float64/,
    ],
    [
      'record of an unregistered op',
      () => t.record('noSuchOp', [], t.zeros([1]), null),
      t.ValueError,
      /op 'noSuchOp' is not registered/,
    ],
    ['registerOp twice', () => t.registerOp('add'), t.ValueError, /'add' is already registered/],
  ];

  for (const [what, call, type, message] of cases) {
    it(what, () => {
      expect(call).to.throw(type, message);
      expect(call).to.throw(t.TripletError);
    });
  }
});
