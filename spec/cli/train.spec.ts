import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint, loadEmbeddedDigits } from '../../lib';
import { runCli, runCliAsync } from '../support/cli';
import { idxImages, idxLabels, writeIdxFolder } from '../support/idx';

const TINY = {
  num_epochs: 1,
  num_channels: 4,
  embedding_size: 8,
  batch_size: 32,
  train_size: 128,
  eval_size: 64,
  save_summary_steps: 2,
};

describe('cli: train → eval → embed, through the real entry', () => {
  let dir: string;
  let modelDir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-cli-'));
    modelDir = path.join(dir, 'tiny');
    fs.mkdirSync(modelDir);
    fs.writeFileSync(path.join(modelDir, 'params.json'), JSON.stringify(TINY));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let trained: Record<string, number>;
  it('train: trains, reports progress and the evaluation with its baselines, writes checkpoints and metrics_eval.json', () => {
    const { code, stdout, stderr } = runCli(['train', '--model_dir', modelDir]);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain(`triplet train: ${modelDir}`);
    // conv1 3·3·1·4 + 4, conv2 3·3·4·8 + 8, dense 7·7·8·8 + 8
    expect(stdout).to.match(
      /model {4}EmbeddingNet, 3,480 parameters; batch_all, margin 0\.5; Adam lr 0\.001; batch 32 \(shuffle\)/,
    );
    expect(stdout).to.match(/^step 2\/4 \(epoch 1\/1\) {2}loss \d\.\d{4} {2}positive \d\.\d{3} {2}\d+ img\/s {2}ETA /m);
    expect(stdout).to.match(/eval after epoch 1: precision@1 \d\.\d{4} {2}MAP@R \d\.\d{4}/);
    expect(stdout).to.match(/^precision_at_1 +\d\.\d{4} +\d\.\d{4} +\d\.\d{4}$/m);
    for (const file of ['checkpoint-last.safetensors', 'checkpoint-best.safetensors', 'metrics_eval.json'])
      expect(fs.existsSync(path.join(modelDir, file)), file).to.equal(true);
    expect(fs.existsSync(path.join(modelDir, '.lock'))).to.equal(false);
    const report = JSON.parse(fs.readFileSync(path.join(modelDir, 'metrics_eval.json'), 'utf8'));
    trained = report.metrics;
    expect(report.step).to.equal(4);
    expect(report.images).to.equal(64);
    for (const key of ['precision_at_1', 'recall_at_8', 'r_precision', 'map_at_r', 'nmi'])
      expect(trained[key], key).to.be.within(0, 1);
    expect(report.baselines.raw_pixels.precision_at_1).to.be.within(0, 1);
    expect(report.baselines.untrained_net.precision_at_1).to.be.within(0, 1);
  });

  it('eval: the same numbers from the saved checkpoint, as a table and metrics_eval.json', () => {
    const { code, stdout } = runCli(['eval', '--model_dir', modelDir, '--no-baselines']);
    expect(code).to.equal(0);
    expect(stdout).to.match(/checkpoint-last\.safetensors: step 4, evaluated on 64 test images/);
    const report = JSON.parse(fs.readFileSync(path.join(modelDir, 'metrics_eval.json'), 'utf8'));
    expect(report.metrics).to.deep.equal(trained);
    expect(report.baselines).to.equal(undefined);
  });

  it('embed: one TSV row per image and the labels beside it', () => {
    const out = path.join(dir, 'emb.tsv');
    const { code, stdout } = runCli(['embed', '--model_dir', modelDir, '--out', out]);
    expect(code).to.equal(0);
    expect(stdout).to.contain(`wrote 64 embeddings of size 8 (test split`);
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(rows).to.have.length(64);
    for (const row of rows)
      expect(row.split('\t').map(Number).every(Number.isFinite) && row.split('\t').length === 8).to.equal(true);
    const labels = fs.readFileSync(path.join(dir, 'emb.labels.tsv'), 'utf8').trim().split('\n').map(Number);
    expect(labels).to.deep.equal(Array.from(loadEmbeddedDigits().test.labels.subarray(0, 64)));
    const train = runCli(['embed', '--model_dir', modelDir, '--split', 'train', '--out', path.join(dir, 'train.tsv')]);
    expect(fs.readFileSync(path.join(dir, 'train.tsv'), 'utf8').trim().split('\n')).to.have.length(128);
    expect(train.code).to.equal(0);
  });

  it('train again with more epochs: resumes from the saved step', () => {
    fs.writeFileSync(path.join(modelDir, 'params.json'), JSON.stringify({ ...TINY, num_epochs: 2 }));
    const { code, stdout } = runCli(['train', '--model_dir', modelDir, '--no-baselines']);
    expect(code).to.equal(0);
    expect(stdout).to.contain(
      `resuming from ${path.join(modelDir, 'checkpoint-last.safetensors')} at step 4 (epoch 2)`,
    );
    expect(loadCheckpoint(path.join(modelDir, 'checkpoint-last.safetensors')).meta).to.deep.include({
      step: 8,
      epoch: 2,
    });
    const again = runCli(['train', '--model_dir', modelDir]);
    expect(again.stdout).to.contain('has already been trained for 2 epochs; raise num_epochs');
    // stopped before its final report (metrics_eval.json): the next train writes it, from the saved evaluation
    const report = path.join(modelDir, 'metrics_eval.json');
    const written = JSON.parse(fs.readFileSync(report, 'utf8'));
    fs.rmSync(report);
    const finish = runCli(['train', '--model_dir', modelDir, '--no-baselines']);
    expect(finish.code, finish.stderr).to.equal(0);
    expect(finish.stdout).to.contain('training had ended without its final report; writing it now');
    expect(JSON.parse(fs.readFileSync(report, 'utf8')).metrics).to.deep.equal(written.metrics);
  });

  it('Ctrl-C finishes the step, saves, exits 0 and says how to resume', async () => {
    const interrupted = path.join(dir, 'interrupted');
    fs.mkdirSync(interrupted);
    fs.writeFileSync(
      path.join(interrupted, 'params.json'),
      JSON.stringify({ ...TINY, num_epochs: 50, train_size: 512, save_checkpoint_steps: 1000 }),
    );
    let sent = false;
    const result = await runCliAsync(['train', '--model_dir', interrupted], (stdout, signal) => {
      if (!sent && /^step 4\//m.test(stdout)) {
        sent = true;
        signal('SIGINT');
      }
    });
    expect(result.code, result.stderr).to.equal(0);
    const match = /stopped at step (\d+) \(epoch \d+\); saved\. Run the same command to resume\./.exec(result.stdout);
    expect(match).to.not.equal(null);
    expect(loadCheckpoint(path.join(interrupted, 'checkpoint-last.safetensors')).meta.step).to.equal(Number(match![1]));
    expect(fs.existsSync(path.join(interrupted, '.lock'))).to.equal(false);
  });

  it('Ctrl-C during an evaluation quits at once; the checkpoint owes it, and the next train does it', async () => {
    const owed = path.join(dir, 'owed');
    fs.mkdirSync(owed);
    fs.writeFileSync(path.join(owed, 'params.json'), JSON.stringify({ ...TINY, eval_size: 600 }));
    const result = await runCliAsync(['train', '--model_dir', owed], (stdout, signal) => {
      if (/evaluating on \d+ test images/.test(stdout)) signal('SIGINT');
    });
    expect(result.signal, result.stdout).to.equal('SIGINT');
    expect(fs.existsSync(path.join(owed, 'metrics_eval.json'))).to.equal(false);
    // the line reaches the pipe when the process next yields: the signal lands in the evaluation or in the report after it
    const meta = loadCheckpoint(path.join(owed, 'checkpoint-last.safetensors')).meta;
    expect(meta.pendingEvaluation === true || meta.metrics !== null, JSON.stringify(meta)).to.equal(true);
    const again = runCli(['train', '--model_dir', owed, '--no-baselines']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(meta.pendingEvaluation ? /eval after epoch 1: precision@1/ : /writing it now/);
    expect(fs.existsSync(path.join(owed, 'metrics_eval.json'))).to.equal(true);
  });

  it('--profile on the gpu backend: what crossed to and from the device per step, in the line checks read', () => {
    const gpuDir = path.join(dir, 'gpu');
    fs.mkdirSync(gpuDir);
    fs.writeFileSync(path.join(gpuDir, 'params.json'), JSON.stringify({ ...TINY, train_size: 96 }));
    const run = runCli([
      'train',
      '--model_dir',
      gpuDir,
      '--backend',
      'gpu',
      '--gpu-mode',
      'webgpu',
      '--profile',
      '--no-baselines',
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const line = run.stdout.match(
      /^device transfers per step: (\d+(?:\.\d)?) uploads \(([\d.]+) MB\), (\d+(?:\.\d)?) readbacks \(([\d.]+) MB\), (\d+(?:\.\d)?) kernel launches$/m,
    );
    expect(line, run.stdout).to.not.equal(null);
    const [uploads, upMB, readbacks, , launches] = line!.slice(1).map(Number);
    // 3 steps of 32 images: the first uploads the weights; the network's kernels all run on the device
    expect(uploads).to.be.above(0);
    expect(upMB).to.be.above((3 * 32 * 784 * 4) / 3 / 1e6); // at least the images
    expect(readbacks).to.be.above(0);
    expect(launches).to.be.at.least(30);
    expect(run.stdout).to.match(/^time per step: [\d.]+ ms — waiting for the device [\d.]+ ms, the host's own work/m);
  });

  it('with no --model_dir, writes a default params.json into experiments/base_model and says so', () => {
    const cwd = path.join(dir, 'fresh');
    fs.mkdirSync(cwd);
    const data = path.join(dir, 'idx28');
    writeIdxFolder(data, { train: 8, test: 8, size: 28, classes: 2 });
    const { code, stdout, stderr } = runCli(['train', '--data_dir', data, '--no-baselines'], { cwd });
    expect(code, stderr).to.equal(0);
    expect(stdout.split('\n')[0]).to.equal(
      `wrote default parameters to ${path.join('experiments', 'base_model', 'params.json')} (edit it to change the experiment)`,
    );
    const params = JSON.parse(fs.readFileSync(path.join(cwd, 'experiments', 'base_model', 'params.json'), 'utf8'));
    expect(params).to.deep.include({ learning_rate: 1e-3, num_epochs: 20, triplet_strategy: 'batch_all' });
    expect(stdout).to.contain('20 steps: 20 epochs of 1');
  });

  describe('refuses bad input with one line and exit code 2', () => {
    const cases: Array<[string, () => string[], RegExp]> = [
      [
        'a --model_dir without params.json',
        () => ['train', '--model_dir', path.join(dir, 'nothing')],
        /^triplet: .*nothing\/params\.json: no such file \(create it/,
      ],
      [
        'invalid JSON in params.json',
        () => {
          const bad = path.join(dir, 'bad-json');
          fs.mkdirSync(bad, { recursive: true });
          fs.writeFileSync(path.join(bad, 'params.json'), '{\n  "margin": 0.5\n  "batch_size": 4\n}');
          return ['train', '--model_dir', bad];
        },
        /^triplet: .*bad-json\/params\.json: invalid JSON at line 3, column 3: expected ',' or '}', found '"'$/,
      ],
      [
        'eval with no checkpoint',
        () => {
          const empty = path.join(dir, 'untrained');
          fs.mkdirSync(empty, { recursive: true });
          fs.writeFileSync(path.join(empty, 'params.json'), '{}');
          return ['eval', '--model_dir', empty];
        },
        /^triplet: no last checkpoint in .*untrained \(train first: npx triplet train --model_dir .*untrained\)$/,
      ],
      [
        'a missing data directory',
        () => ['train', '--model_dir', modelDir, '--data_dir', path.join(dir, 'no-data')],
        /^triplet: .*no-data: no such data directory$/,
      ],
      [
        'images of another size than params.image_size',
        () => {
          const small = path.join(dir, 'idx8');
          writeIdxFolder(small, { size: 8 });
          return ['train', '--model_dir', modelDir, '--data_dir', small];
        },
        /^triplet: .*train-images-idx3-ubyte: images are 8×8 but params\.image_size is 28$/,
      ],
      [
        'labels beyond num_labels',
        () => {
          const many = path.join(dir, 'idx-labels');
          writeIdxFolder(many, {
            size: 28,
            train: 4,
            test: 4,
            override: {
              't10k-labels-idx1-ubyte': idxLabels([0, 1, 12, 3]),
              't10k-images-idx3-ubyte': idxImages(4, 28, 28, () => 0),
            },
          });
          return ['train', '--model_dir', modelDir, '--data_dir', many];
        },
        /^triplet: .*t10k-images-idx3-ubyte: label 12 \(image 2\) is not below params\.num_labels = 10$/,
      ],
      [
        'an unknown --split',
        () => ['embed', '--model_dir', modelDir, '--out', 'x.tsv', '--split', 'valid'],
        /^triplet: --split must be one of test, train; got 'valid'$/,
      ],
      ['embed without --out', () => ['embed', '--model_dir', modelDir], /required option '--out <file>' not specified/],
    ];
    for (const [what, args, message] of cases) {
      it(what, () => {
        const { code, stdout, stderr } = runCli(args());
        expect(code, stdout + stderr).to.equal(2);
        expect(stderr.trim().split('\n')[0]).to.match(message);
        expect(stderr).to.not.match(/\n\s+at /);
      });
    }
  });

  for (const command of ['train', 'eval', 'embed']) {
    it(`${command} --help explains the command and its options`, () => {
      const { code, stdout } = runCli([command, '--help']);
      expect(code).to.equal(0);
      expect(stdout).to.contain(`Usage: triplet ${command}`);
      expect(stdout).to.contain('--model_dir <dir>');
      expect(stdout).to.contain('--backend <name>');
    });
  }
});
