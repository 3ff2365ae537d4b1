import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { idxImages, idxLabels, writeIdxFolder } from '../support/idx';

/**
 * Bad input through the real CLI entry: one clear line on stderr naming what is wrong, exit code 2, never a
 * stack trace. (Runtime failures — damaged checkpoints, full disks — are in reliability.spec.)
 */
describe('cli: bad input gets one clear line and exit code 2', () => {
  let root: string;
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-errors-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function withParams(name: string, text: string): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'params.json'), text);
    return dir;
  }

  function check(args: string[], message: RegExp): void {
    const { code, stdout, stderr } = runCli(args, { cwd: root });
    expect(code, `exit code; stdout: ${stdout}; stderr: ${stderr}`).to.equal(2);
    // the whole of stderr: one line, no stack trace
    expect(stderr.split('\n'), stderr).to.have.length(2);
    expect(stderr.trimEnd()).to.match(message);
  }

  describe('params.json', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'invalid JSON (where)',
        '{"margin": 0.5,\n "batch_size": }',
        /^triplet: .*params\.json: invalid JSON at line 2, column 16: expected a value, found '}'$/,
      ],
      [
        'an unknown key (the nearest known one)',
        '{"num_epoch": 3}',
        /^triplet: .*params\.json: unknown key "num_epoch" \(did you mean "num_epochs"\?\)$/,
      ],
      [
        'a wrong type',
        '{"use_batch_norm": 1}',
        /^triplet: .*params\.json: use_batch_norm must be true or false, got 1 \(a number\)$/,
      ],
      ['batch_size < 2', '{"batch_size": 1}', /^triplet: .*params\.json: batch_size must be ≥ 2, got 1$/],
      [
        'a training split without one batch (it used to train "0 steps" and call the net trained)',
        '{"train_size": 1}',
        /^triplet: the training split has 1 images: not one batch to train on \(batch_size 64, shuffle sampler\); raise train_size, or lower batch_size$/,
      ],
      ['margin < 0', '{"margin": -1}', /^triplet: .*params\.json: margin must be ≥ 0, got -1$/],
      [
        'learning_rate ≤ 0',
        '{"learning_rate": -0.001}',
        /^triplet: .*params\.json: learning_rate must be > 0, got -0\.001$/,
      ],
      ['num_epochs < 1', '{"num_epochs": 0}', /^triplet: .*params\.json: num_epochs must be ≥ 1, got 0$/],
      ['embedding_size < 1', '{"embedding_size": -4}', /^triplet: .*params\.json: embedding_size must be ≥ 1, got -4$/],
      [
        'an unknown triplet_strategy',
        '{"triplet_strategy": "semihard"}',
        /^triplet: .*params\.json: triplet_strategy must be one of "batch_all", "batch_hard", "batch_semihard", got "semihard" \(a string\)$/,
      ],
      [
        'a batch too small for the sampler',
        '{"sampler": "balanced", "batch_size": 6, "images_per_class": 6}',
        /^triplet: .*the balanced sampler takes batch_size \/ images_per_class = 1 classes per batch/,
      ],
      [
        'image_size not matching the data',
        '{"image_size": 32}',
        /^triplet: embedded digits \(train\): images are 28×28 but params\.image_size is 32$/,
      ],
    ];
    for (const [what, text, message] of cases)
      it(what, () => check(['train', '--model_dir', withParams(what.replace(/\W+/g, '-'), text)], message));
    it('a missing file', () =>
      check(['eval', '--model_dir', path.join(root, 'nowhere')], /^triplet: .*nowhere\/params\.json: no such file/));
  });

  describe('data', () => {
    let modelDir: string;
    before(() => (modelDir = withParams('data-model', '{"num_epochs": 1, "image_size": 8, "num_labels": 3}')));
    const cases: Array<[string, (dir: string) => void, RegExp]> = [
      ['a missing directory', () => undefined, /^triplet: .*: no such data directory$/],
      [
        'a missing file',
        (dir) => {
          writeIdxFolder(dir);
          fs.rmSync(path.join(dir, 'train-labels-idx1-ubyte'));
        },
        /^triplet: .*train-labels-idx1-ubyte: missing \(looked for/,
      ],
      [
        'a wrong magic number',
        (dir) => writeIdxFolder(dir, { override: { 't10k-images-idx3-ubyte': idxImages(30, 8, 8, () => 0, 1234) } }),
        /^triplet: .*t10k-images-idx3-ubyte: wrong magic number 1234 \(expected 2051, images\)$/,
      ],
      [
        'a truncated file',
        (dir) =>
          writeIdxFolder(dir, {
            override: { 'train-images-idx3-ubyte': idxImages(60, 8, 8, () => 0).subarray(0, 1000) },
          }),
        /^triplet: .*train-images-idx3-ubyte: truncated: 60 images of 8×8 need 3856 bytes, the file has 1000$/,
      ],
      [
        'label count ≠ image count',
        (dir) => writeIdxFolder(dir, { override: { 't10k-labels-idx1-ubyte': idxLabels([0, 1]) } }),
        /^triplet: .*t10k-labels-idx1-ubyte: 2 labels for 30 images in /,
      ],
      [
        'labels beyond num_labels',
        (dir) => writeIdxFolder(dir, { classes: 5 }),
        /^triplet: .*train-images-idx3-ubyte: label 3 \(image 3\) is not below params\.num_labels = 3$/,
      ],
      [
        'an empty data set',
        (dir) =>
          writeIdxFolder(dir, {
            override: {
              'train-images-idx3-ubyte': idxImages(0, 8, 8, () => 0),
              'train-labels-idx1-ubyte': idxLabels([]),
            },
          }),
        /^triplet: .*train-images-idx3-ubyte: the data set is empty$/,
      ],
    ];
    for (const [what, make, message] of cases) {
      it(what, () => {
        const dir = path.join(root, `data-${what.replace(/\W+/g, '-')}`);
        make(dir);
        check(['train', '--model_dir', modelDir, '--data_dir', dir], message);
      });
    }
  });

  describe('the command line', () => {
    it('an unknown command', () =>
      check(['trian'], /^triplet: unknown command 'trian' \(did you mean 'train'\?\); see triplet --help$/));
    it('an unknown option', () =>
      check(['train', '--epochs', '3'], /^triplet: unknown option '--epochs'; see triplet train --help$/));
    it('a missing value', () =>
      check(
        ['train', '--model_dir'],
        /^triplet: option '--model_dir <dir>' argument missing; see triplet train --help$/,
      ));
    for (const [variable, value, message] of [
      ['TRIPLET_THREADS', 'many', /^triplet: TRIPLET_THREADS must be an integer from 1 to 256; got 'many'$/],
      ['TRIPLET_THREADS', '0', /^triplet: TRIPLET_THREADS must be an integer from 1 to 256; got '0'$/],
      ['TRIPLET_BACKEND', 'cuda', /^triplet: TRIPLET_BACKEND must be one of reference, js, gpu; got 'cuda'$/],
      [
        'TRIPLET_GPU_MODE',
        'metal',
        /^triplet: TRIPLET_GPU_MODE must be one of auto, webgpu, headlessgl, webasm, cpu; got 'metal'$/,
      ],
    ] as const) {
      it(`${variable}=${value}, checked as the flag is`, () => {
        const run = runCli(['gradcheck', '--op', 'exp'], { cwd: root, env: { [variable]: value } });
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr.trimEnd()).to.match(message);
        expect(run.stderr.split('\n')).to.have.length(2);
      });
    }
    it('t-SNE with fewer points than its perplexity needs, before any work', () =>
      check(
        ['visualize', '--model_dir', withParams('tsne', '{}'), '--tsne-points', '20'],
        /^triplet: t-SNE with perplexity 25 needs more than 25 points, and --tsne-points is 20$/,
      ));
    it('a FIFO as params.json, at once (it used to wait forever)', () => {
      const dir = path.join(root, 'fifo-model');
      fs.mkdirSync(dir, { recursive: true });
      execFileSync('mkfifo', [path.join(dir, 'params.json')]);
      check(['eval', '--model_dir', dir], /^triplet: cannot read .*params\.json: not a regular file \(a FIFO\)$/);
    });
    it('a missing argument', () =>
      check(['predict'], /^triplet: missing required argument 'image'; see triplet predict --help$/));
    it('a --seed outside what params.json accepts', () =>
      check(['train', '--seed', '-3'], /^triplet: --seed: seed must be ≥ 0, got -3$/));
    it('a bad number', () => check(['train', '--seed', '1.5'], /^triplet: --seed expects an integer, got '1\.5'$/));
    it('an unknown backend', () =>
      check(['eval', '--backend', 'wasm'], /^triplet: --backend must be one of reference, js, gpu; got 'wasm'$/));
    it('an unknown gpu mode', () =>
      check(
        ['eval', '--gpu-mode', 'cuda'],
        /^triplet: --gpu-mode must be one of auto, webgpu, headlessgl, webasm, cpu; got 'cuda'$/,
      ));
    it('embed with no checkpoint', () =>
      check(
        ['embed', '--model_dir', withParams('fresh', '{}'), '--out', 'e.tsv'],
        /^triplet: no last checkpoint in .*fresh \(train first/,
      ));
    it('eval --checkpoint best when only the last exists would be named', () =>
      check(
        ['eval', '--model_dir', withParams('fresh2', '{}'), '--checkpoint', 'best'],
        /^triplet: no best checkpoint in .*fresh2/,
      ));
  });

  for (const command of ['', 'train', 'eval', 'embed', 'visualize', 'search', 'gradcheck']) {
    it(`--help ${command || '(the program)'} explains and exits 0`, () => {
      const { code, stdout } = runCli([...(command ? [command] : []), '--help']);
      expect(code).to.equal(0);
      expect(stdout).to.match(new RegExp(`^Usage: triplet${command ? ` ${command}` : ''} \\[options\\]`));
      expect(stdout.length).to.be.greaterThan(300);
    });
  }
});
