import { expect } from 'chai';
import { ConfigError, defaultParams, parseParams } from '../../lib';

describe('train: params.json', () => {
  it("defaults to the original's experiments/batch_all settings, plus ours", () => {
    expect(defaultParams()).to.deep.include({
      learning_rate: 1e-3,
      batch_size: 64,
      num_epochs: 20,
      num_channels: 32,
      use_batch_norm: false,
      bn_momentum: 0.9,
      margin: 0.5,
      embedding_size: 64,
      triplet_strategy: 'batch_all',
      squared: false,
      image_size: 28,
      num_labels: 10,
      train_size: 50000,
      eval_size: 10000,
      save_summary_steps: 50,
      seed: 230,
      sampler: 'shuffle',
    });
  });

  it('fills the keys a file leaves out with their defaults and says which', () => {
    const { params, defaulted } = parseParams('{"learning_rate": 1e-4, "triplet_strategy": "batch_hard"}');
    expect(params.learning_rate).to.equal(1e-4);
    expect(params.batch_size).to.equal(64);
    expect(defaulted).to.include('batch_size').and.not.include('learning_rate');
  });

  it('reports JSON nested absurdly deep as an input error with its line and column (no stack overflow)', () => {
    expect(() => parseParams('{"margin":\n' + '['.repeat(100_000), 'p.json')).to.throw(
      ConfigError,
      "p.json: invalid JSON at line 2, column 256: expected nesting no deeper than 256 levels, found '['",
    );
  });

  it('accepts a UTF-8 byte-order mark before the JSON', () => {
    expect(parseParams('\uFEFF{"margin": 0.3}').params.margin).to.equal(0.3);
    expect(() => parseParams('\uFEFF{"margin": }', 'p.json')).to.throw(
      ConfigError,
      'p.json: invalid JSON at line 1, column 12',
    );
  });

  const errors: Array<[string, string, string]> = [
    [
      'invalid JSON, with the line and column',
      '{\n  "margin": 0.5,\n  "batch_size": \n}',
      "p.json: invalid JSON at line 4, column 1: expected a value, found '}'",
    ],
    [
      'a trailing comma',
      '{"margin": 0.5,}',
      "p.json: invalid JSON at line 1, column 16: expected a property name in double quotes, found '}'",
    ],
    ['not an object', '[1, 2]', 'p.json: must hold a JSON object of parameters'],
    [
      'an unknown key, with the nearest known one',
      '{"learning_rat": 0.1}',
      'p.json: unknown key "learning_rat" (did you mean "learning_rate"?)',
    ],
    ['an unknown key with no near one', '{"colour": "blue"}', 'p.json: unknown key "colour"'],
    ['a number given as a string', '{"batch_size": "64"}', 'p.json: batch_size must be a number, got "64" (a string)'],
    [
      'a boolean given as a string',
      '{"squared": "false"}',
      'p.json: squared must be true or false, got "false" (a string)',
    ],
    ['a fraction where an integer is needed', '{"num_epochs": 2.5}', 'p.json: num_epochs must be an integer, got 2.5'],
    ['batch_size < 2', '{"batch_size": 1}', 'p.json: batch_size must be ≥ 2, got 1'],
    ['margin < 0', '{"margin": -0.1}', 'p.json: margin must be ≥ 0, got -0.1'],
    ['learning_rate ≤ 0', '{"learning_rate": 0}', 'p.json: learning_rate must be > 0, got 0'],
    ['num_epochs < 1', '{"num_epochs": 0}', 'p.json: num_epochs must be ≥ 1, got 0'],
    ['embedding_size < 1', '{"embedding_size": 0}', 'p.json: embedding_size must be ≥ 1, got 0'],
    ['bn_momentum ≥ 1', '{"bn_momentum": 1}', 'p.json: bn_momentum must be < 1, got 1'],
    [
      'an unknown strategy',
      '{"triplet_strategy": "hard"}',
      'p.json: triplet_strategy must be one of "batch_all", "batch_hard", "batch_semihard", got "hard" (a string)',
    ],
    ['null', '{"seed": null}', 'p.json: seed must be a number, got null'],
    [
      'a seed that would alias another (the generator takes 32 bits)',
      '{"seed": 4294967295}',
      'p.json: seed must be < 4294967295, got 4294967295',
    ],
    ...['constructor', 'toString', 'hasOwnProperty', '__proto__'].map((key): [string, string, string] => [
      `"${key}", an Object.prototype name, as a key`,
      `{"${key}": 1}`,
      `p.json: unknown key "${key}"`,
    ]),
    [
      'a batch that is not a multiple of K',
      '{"sampler": "balanced", "batch_size": 30, "images_per_class": 4}',
      'p.json: batch_size (30) must be a multiple of images_per_class (4) for the balanced sampler',
    ],
    [
      'a batch too small for the sampler',
      '{"sampler": "balanced", "batch_size": 4, "images_per_class": 4}',
      'p.json: the balanced sampler takes batch_size / images_per_class = 1 classes per batch; it must be between 2 and num_labels (10)',
    ],
    [
      'more classes per batch than labels',
      '{"sampler": "balanced", "batch_size": 48, "images_per_class": 4}',
      'p.json: the balanced sampler takes batch_size / images_per_class = 12 classes per batch; it must be between 2 and num_labels (10)',
    ],
  ];
  for (const [what, text, message] of errors) {
    it(`refuses ${what} in one line naming the key`, () =>
      expect(() => parseParams(text, 'p.json')).to.throw(ConfigError, message));
  }
});
