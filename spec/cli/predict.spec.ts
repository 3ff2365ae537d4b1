import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import {
  buildModel,
  CheckpointDir,
  classifyByNeighbors,
  defaultParams,
  embedDataset,
  limitData,
  loadEmbeddedDigits,
  readImageFiles,
  Rng,
  saveCheckpoint,
} from '../../lib';
import { runCli } from '../support/cli';
import { idxImages } from '../support/idx';

/** A PNG of `size`² pixels from RGB triples, written in the colour type asked for (0 grey, 2 RGB, 6 RGBA). */
function png(size: number, rgb: (i: number) => [number, number, number], colorType: 0 | 2 | 6): Buffer {
  const image = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) image.data.set([...rgb(i), 255], 4 * i);
  return PNG.sync.write(image, { colorType });
}

/** k nearest by sorting every distance (ties by index), and the majority label by counting. */
function bruteForce(q: Float32Array, gallery: Float32Array, labels: Uint8Array, dim: number, k: number) {
  const all = Array.from(labels, (label, index) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (q[d] - gallery[index * dim + d]) ** 2;
    return { index, label, distance: Math.sqrt(s) };
  }).sort((a, b) => a.distance - b.distance || a.index - b.index);
  const nearest = all.slice(0, k);
  const count = (label: number): number => nearest.filter((m) => m.label === label).length;
  const best = Math.max(...nearest.map((m) => count(m.label)));
  return { label: nearest.find((m) => count(m.label) === best)!.label, neighbors: nearest };
}

describe('predict: new images labelled by their nearest training embeddings', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-predict-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('k-nearest classification equals a full sort of all distances, ties by index, vote ties to the nearest', () => {
    const rng = new Rng(3);
    const dim = 3;
    const gallery = new Float32Array(40 * dim).map(() => Math.round(rng.normal() * 2) / 2); // a coarse grid: ties
    const labels = Uint8Array.from({ length: 40 }, () => Math.floor(rng.random() * 3));
    const queries = new Float32Array(12 * dim).map(() => Math.round(rng.normal() * 2) / 2);
    for (const k of [1, 2, 4, 7]) {
      const ours = classifyByNeighbors(queries, gallery, labels, dim, k);
      ours.forEach((p, q) => {
        const expected = bruteForce(queries.subarray(q * dim, (q + 1) * dim), gallery, labels, dim, k);
        expect(
          p.neighbors.map((m) => m.index),
          `k ${k}, query ${q}`,
        ).to.deep.equal(expected.neighbors.map((m) => m.index));
        p.neighbors.forEach((m, i) => expect(m.distance).to.be.closeTo(expected.neighbors[i].distance, 1e-12));
        expect(p.label, `k ${k}, query ${q}`).to.equal(expected.label);
      });
    }
    // by hand: neighbours at distances 1 (label 5), 2 (label 7), 3 (label 7), 4 (label 5): k 4 ties 2–2, the nearest's wins
    const line = Float32Array.from([1, 2, 3, 4]);
    expect(classifyByNeighbors(Float32Array.from([0]), line, [5, 7, 7, 5], 1, 4)[0].label).to.equal(5);
    expect(classifyByNeighbors(Float32Array.from([0]), line, [5, 7, 7, 5], 1, 3)[0].label).to.equal(7);
  });

  it('reads grey and colour PNGs (luminance 0.299 R + 0.587 G + 0.114 B) and IDX files; refuses other sizes and files', () => {
    const grey = path.join(dir, 'grey.png');
    const colour = path.join(dir, 'colour.png');
    const idx = path.join(dir, 'images-idx3-ubyte');
    fs.writeFileSync(
      grey,
      png(4, (i) => [i * 10, i * 10, i * 10], 0),
    );
    fs.writeFileSync(
      colour,
      png(4, (i) => [i * 10, 200 - i * 5, 30], 2),
    );
    fs.writeFileSync(
      idx,
      idxImages(2, 4, 4, (n, r, c) => (n * 16 + r * 4 + c) * 3),
    );
    const read = readImageFiles([grey, colour, idx], 4);
    expect(read.names).to.deep.equal([grey, colour, `${idx}[0]`, `${idx}[1]`]);
    for (let i = 0; i < 16; i++) {
      expect(read.images[i]).to.be.closeTo((i * 10) / 255, 1e-7);
      expect(read.images[16 + i]).to.be.closeTo((0.299 * i * 10 + 0.587 * (200 - i * 5) + 0.114 * 30) / 255, 1e-6);
      expect(read.images[48 + i]).to.be.closeTo(((16 + i) * 3) / 255, 1e-7);
    }
    expect(() => readImageFiles([grey], 28)).to.throw(
      `${grey}: the image is 4×4 but the model takes 28×28 (image_size); resize it first`,
    );
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    expect(() => readImageFiles([path.join(dir, 'notes.txt')], 4)).to.throw('neither a PNG nor an IDX image file');
    expect(() => readImageFiles([dir], 4)).to.throw(`${dir}: not a regular file`);
  });

  it('triplet predict: a table or JSON, the same answer as embedding the images ourselves; the gallery cached until the checkpoint changes', () => {
    const params = { ...defaultParams(), num_channels: 4, embedding_size: 8, train_size: 300, eval_size: 20 };
    fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify(params));
    const model = buildModel(params, new Rng(4)).eval();
    const checkpoint = new CheckpointDir(dir).last;
    saveCheckpoint(checkpoint, { model, step: 3, epoch: 0, params });
    const data = limitData(loadEmbeddedDigits(), params);
    const files = [0, 1, 2].map((n) => {
      const file = path.join(dir, `digit${n}.png`);
      fs.writeFileSync(
        file,
        png(28, (i) => Array(3).fill(Math.round(data.test.images[n * 784 + i] * 255)) as [number, number, number], 0),
      );
      return file;
    });
    const run = runCli(['predict', '--model_dir', dir, '--k', '3', '--json', ...files]);
    expect(run.code, run.stderr).to.equal(0);
    const answer = JSON.parse(run.stdout) as Array<{
      file: string;
      label: number;
      neighbors: Array<{ index: number; label: number; distance: number }>;
    }>;
    const gallery = embedDataset(model, data.train).data as Float32Array;
    const queries = readImageFiles(files, 28);
    const ours = embedDataset(model, { ...queries, labels: new Uint8Array(3), count: 3, source: 'spec' })
      .data as Float32Array;
    answer.forEach((row, q) => {
      const expected = bruteForce(ours.subarray(q * 8, (q + 1) * 8), gallery, data.train.labels, 8, 3);
      expect(row.file).to.equal(files[q]);
      expect(row.label).to.equal(expected.label);
      expect(row.neighbors.map((m) => [m.index, m.label])).to.deep.equal(
        expected.neighbors.map((m) => [m.index, m.label]),
      );
      row.neighbors.forEach((m, i) => expect(m.distance).to.be.closeTo(expected.neighbors[i].distance, 1e-5));
    });
    const cache = path.join(dir, 'gallery-last.safetensors');
    const first = fs.statSync(cache).mtimeMs;
    const table = runCli(['predict', '--model_dir', dir, files[0]]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout.split('\n')[0]).to.match(/^file\s+label\s+nearest distance\s+neighbours/);
    const row = table.stdout.split('\n')[2].split(/\s{2,}/);
    const nearest = answer[0].neighbors[0];
    expect(row).to.deep.equal([files[0], String(nearest.label), nearest.distance.toFixed(4), String(nearest.label)]);
    expect(fs.statSync(cache).mtimeMs, 'the cache was read, not written').to.equal(first);
    saveCheckpoint(checkpoint, { model: buildModel(params, new Rng(5)), step: 4, epoch: 0, params }); // another checkpoint
    expect(runCli(['predict', '--model_dir', dir, files[0]]).code).to.equal(0);
    expect(fs.statSync(cache).mtimeMs, 'made again for the new checkpoint').to.not.equal(first);
  });

  it('refuses bad input in one line with exit code 2', () => {
    const params = { ...defaultParams(), num_channels: 4, embedding_size: 8, train_size: 100, eval_size: 20 };
    fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify(params));
    saveCheckpoint(new CheckpointDir(dir).last, { model: buildModel(params, new Rng(4)), step: 1, epoch: 0, params });
    const small = path.join(dir, 'small.png');
    fs.writeFileSync(
      small,
      png(8, () => [0, 0, 0], 0),
    );
    const cases: Array<[string[], string]> = [
      [[small], `triplet: ${small}: the image is 8×8 but the model takes 28×28 (image_size); resize it first\n`],
      [[path.join(dir, 'nothing.png')], `triplet: ${path.join(dir, 'nothing.png')}: no such file\n`],
      [['--k', '0', small], 'triplet: --k must be at least 1, got 0\n'],
    ];
    for (const [args, stderr] of cases) {
      const run = runCli(['predict', '--model_dir', dir, ...args]);
      expect([run.code, run.stderr], args.join(' ')).to.deep.equal([2, stderr]);
    }
  });
});
