import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildModel,
  CheckpointDir,
  decodeSafetensors,
  defaultParams,
  EmbeddingNet,
  encodeWeights,
  loadEmbeddedDigits,
  loadWeightsInto,
  noGrad,
  onnxModel,
  Params,
  permute,
  Rng,
  saveCheckpoint,
  Tensor,
  trainModel,
  limitData,
} from '../../lib';
import { pythonWith } from '../../bench/peers/python';
import { runCli } from '../support/cli';
import { Field, readProto } from '../support/proto';

const README = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');

/** A network of the params with every tensor random (biases and batch-norm statistics too, so each one counts). */
function randomNet(params: Params, seed: number): EmbeddingNet {
  const net = buildModel(params, new Rng(seed));
  const rng = new Rng(seed + 1);
  for (const [name, t] of net.stateDict()) {
    rng.fillNormal(t.data);
    if (name.endsWith('movingVariance')) t.data.forEach((v, i) => (t.data[i] = 0.5 + Math.abs(v)));
    else if (!name.endsWith('weight')) t.data.forEach((v, i) => (t.data[i] = 0.1 * v));
    else t.data.forEach((v, i) => (t.data[i] = 0.2 * v));
  }
  return net.eval();
}

function testImages(count: number): Tensor {
  const test = loadEmbeddedDigits().test;
  return new Tensor(test.images.slice(0, count * 784), [count, 28, 28, 1]);
}

/** The README's python block after `<!-- spec: NAME -->`. */
function readmeSnippet(name: string): string {
  const marker = README.indexOf(`<!-- spec: ${name} -->`);
  expect(marker, `README snippet ${name}`).to.be.greaterThan(-1);
  const start = README.indexOf('```python\n', marker) + '```python\n'.length;
  return README.slice(start, README.indexOf('```', start));
}

/**
 * Runs a README snippet in `python` in `dir`, with `images` given as float32 [N, 28, 28, 1]; returns its
 * `embeddings`.
 */
function runSnippet(python: string, dir: string, snippet: string, images: Tensor): Float32Array {
  fs.writeFileSync(
    path.join(dir, 'images.bin'),
    Buffer.from(images.data.buffer, images.data.byteOffset, images.data.byteLength),
  );
  const program =
    `import numpy as np\nimages = np.fromfile("images.bin", dtype=np.float32).reshape(-1, 28, 28, 1)\n` +
    snippet +
    `\nnp.asarray(embeddings, dtype=np.float32).tofile("embeddings.bin")\n`;
  const run = spawnSync(python, ['-c', program], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  expect(run.status, run.stderr).to.equal(0);
  const bytes = fs.readFileSync(path.join(dir, 'embeddings.bin'));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('export: the network outside triplet', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-export-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const images = testImages(6);

  for (const useBatchNorm of [false, true]) {
    const params = { ...defaultParams(), use_batch_norm: useBatchNorm, num_channels: 8, embedding_size: 16 };
    const net = randomNet(params, 5);
    const ours = noGrad(() => net.forward(images));
    const onnx = Buffer.from(onnxModel(net, { imageSize: 28, embeddingSize: 16, metadata: { seed: '0' } }));

    it(`ONNX (batch norm ${useBatchNorm}): opset 13, images [N,28,28,1] → embeddings [N,16], filters transposed to OIHW (decoded independently)`, () => {
      const model = readProto(onnx);
      const opset = readProto(model.get(8)![0].value as Buffer);
      expect(opset.get(2)![0].value).to.equal(13);
      const graph = readProto(model.get(7)![0].value as Buffer);
      const text = (f: Field): string => (f.value as Buffer).toString();
      const ops = graph.get(1)!.map((n) => text(readProto(n.value as Buffer).get(4)![0]));
      const block = useBatchNorm ? ['Conv', 'BatchNormalization', 'Relu', 'MaxPool'] : ['Conv', 'Relu', 'MaxPool'];
      expect(ops).to.deep.equal(['Transpose', ...block, ...block, 'Transpose', 'Flatten', 'MatMul', 'Add']);
      const dims = (valueInfo: Field): Array<number | string> => {
        const type = readProto(
          readProto(readProto(valueInfo.value as Buffer).get(2)![0].value as Buffer).get(1)![0].value as Buffer,
        );
        return readProto(type.get(2)![0].value as Buffer)
          .get(1)!
          .map((d) => {
            const dim = readProto(d.value as Buffer);
            return dim.has(1) ? (dim.get(1)![0].value as number) : text(dim.get(2)![0]);
          });
      };
      expect(dims(graph.get(11)![0])).to.deep.equal(['N', 28, 28, 1]);
      expect(dims(graph.get(12)![0])).to.deep.equal(['N', 16]);
      const conv1 = graph
        .get(5)!
        .map((t) => readProto(t.value as Buffer))
        .find((t) => text(t.get(8)![0]) === 'conv1.weight')!;
      expect(conv1.get(1)!.map((d) => d.value)).to.deep.equal([8, 1, 3, 3]);
      const raw = conv1.get(9)![0].value as Buffer;
      const expected = permute(net.stateDict().get('conv1.weight')!, [3, 2, 0, 1]).data;
      expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)))).to.deep.equal(
        Array.from(expected),
      );
    });

    it(`ONNX (batch norm ${useBatchNorm}): ONNX Runtime gives our embeddings to 1e-5`, function () {
      const python = pythonWith('onnxruntime');
      if (!python) {
        console.log('      skipped: no Python with onnxruntime and numpy (set TRIPLET_BENCH_PYTHON to one)');
        this.skip();
      }
      fs.writeFileSync(path.join(dir, 'embedding.onnx'), onnx);
      const theirs = runSnippet(python!, dir, readmeSnippet('onnx-python'), images);
      expect(maxAbsDifference(theirs, ours.data)).to.be.below(1e-5);
    });

    // TensorFlow takes ~10 s to start: Keras is run on the network with batch norm only, which has every layer
    const snippets = [['torch-weights', 'torch'], ...(useBatchNorm ? [['keras-weights', 'tensorflow']] : [])] as const;
    for (const [snippet, module] of snippets) {
      it(`weights only (batch norm ${useBatchNorm}): the README's ${module} snippet gives our embeddings to 1e-5`, function () {
        const python = pythonWith(`${module}, safetensors`);
        if (!python) {
          console.log(
            `      skipped: no Python with ${module}, safetensors and numpy (set TRIPLET_BENCH_PYTHON to one)`,
          );
          this.skip();
        }
        this.timeout(120_000);
        const meta = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
        fs.writeFileSync(path.join(dir, 'embedding.safetensors'), encodeWeights(net, meta));
        const theirs = runSnippet(python!, dir, readmeSnippet(snippet), images);
        expect(maxAbsDifference(theirs, ours.data)).to.be.below(1e-5);
      });
    }

    it(`weights only (batch norm ${useBatchNorm}): PyTorch's names, our layouts, the params as metadata, no optimiser; loads back exactly`, () => {
      const file = path.join(dir, 'w.safetensors');
      fs.writeFileSync(file, encodeWeights(net, { embedding_size: '16' }));
      const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file), file);
      const names = [...tensors.keys()].sort();
      const bn = useBatchNorm
        ? ['bn1', 'bn2'].flatMap((b) => ['bias', 'running_mean', 'running_var', 'weight'].map((k) => `${b}.${k}`))
        : [];
      expect(names).to.deep.equal(
        [...bn, 'conv1.bias', 'conv1.weight', 'conv2.bias', 'conv2.weight', 'dense.bias', 'dense.weight'].sort(),
      );
      expect(tensors.get('conv2.weight')!.shape).to.deep.equal([3, 3, 8, 16]);
      expect(metadata.embedding_size).to.equal('16');
      const copy = buildModel(params, new Rng(99)).eval();
      loadWeightsInto(copy, file);
      expect(Array.from(noGrad(() => copy.forward(images)).data)).to.deep.equal(Array.from(ours.data));
    });
  }

  it('triplet export writes both formats from a model_dir, and refuses a bad --format in one line (exit 2)', () => {
    const params = { ...defaultParams(), num_channels: 4, embedding_size: 8 };
    fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify(params));
    saveCheckpoint(new CheckpointDir(dir).last, { model: randomNet(params, 3), step: 7, epoch: 1, params });
    const onnx = runCli(['export', '--model_dir', dir, '--format', 'onnx', '--out', path.join(dir, 'm.onnx')]);
    expect(onnx.code, onnx.stderr).to.equal(0);
    expect(onnx.stdout).to.match(/^wrote .*m\.onnx \(onnx, .*checkpoint-last\.safetensors, step 7\)\n$/);
    const weights = runCli([
      'export',
      '--model_dir',
      dir,
      '--format',
      'safetensors',
      '--out',
      path.join(dir, 'w.safetensors'),
    ]);
    expect(weights.code, weights.stderr).to.equal(0);
    const { metadata } = decodeSafetensors(fs.readFileSync(path.join(dir, 'w.safetensors')), 'w');
    expect([metadata.num_channels, metadata.step, metadata.triplet_strategy]).to.deep.equal(['4', '7', 'batch_all']);
    const bad = runCli(['export', '--model_dir', dir, '--format', 'pickle', '--out', path.join(dir, 'x')]);
    expect([bad.code, bad.stderr]).to.deep.equal([
      2,
      "triplet: --format must be one of onnx, safetensors; got 'pickle'\n",
    ]);
  });

  it('train --init-from starts from given weights (checked against params.json, naming the tensor)', async () => {
    const params = {
      ...defaultParams(),
      num_channels: 4,
      embedding_size: 8,
      num_epochs: 1,
      train_size: 64,
      eval_size: 32,
    };
    const source = randomNet(params, 11);
    const file = path.join(dir, 'start.safetensors');
    fs.writeFileSync(file, encodeWeights(source));
    let started: string | null = null;
    // stopped after its first step: one Adam step from the file's weights
    const outcome = await trainModel({
      modelDir: path.join(dir, 'run'),
      params,
      data: limitData(loadEmbeddedDigits(), params),
      initFrom: file,
      events: { onStart: (info) => (started = info.initializedFrom), shouldStop: () => true },
    });
    expect(started).to.equal(file);
    const firstStep = outcome.model.stateDict();
    expect(outcome.step).to.equal(1);
    // one Adam step from the file's weights moves each by at most ~lr
    for (const [name, t] of source.stateDict()) {
      if (name.includes('moving')) continue;
      expect(maxAbsDifference(firstStep.get(name)!.data, t.data), name).to.be.below(2 * params.learning_rate);
    }
    // a training checkpoint serves as well (its optimiser state is not read)
    const checkpoint = path.join(dir, 'saved.safetensors');
    saveCheckpoint(checkpoint, { model: source, step: 9, epoch: 0, params });
    const fromCheckpoint = buildModel(params, new Rng(1));
    loadWeightsInto(fromCheckpoint, checkpoint);
    for (const [name, t] of source.stateDict())
      expect(Array.from(fromCheckpoint.stateDict().get(name)!.data), name).to.deep.equal(Array.from(t.data));
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'params.json'), JSON.stringify({ ...params, num_channels: 6 }));
    const refused = runCli(['train', '--model_dir', path.join(dir, 'other'), '--init-from', file]);
    expect([refused.code, refused.stderr]).to.deep.equal([
      2,
      `triplet: initial weights: ${file}: tensor 'conv1.weight' has shape [3,3,1,4] but the model expects [3,3,1,6]\n`,
    ]);
  });
});
