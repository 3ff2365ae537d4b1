import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import {
  Canvas,
  loadEmbeddedDigits,
  niceTicks,
  randn,
  Rng,
  scatterPlot,
  spriteImage,
  take,
  tensor,
  tsne,
  writeProjector,
} from '../../lib';

describe('viz', () => {
  it('t-SNE puts two well-separated Gaussian clusters apart', () => {
    const rng = new Rng(4);
    const n = 60;
    const dim = 10;
    const data = new Float64Array(n * dim).map((_, k) => rng.normal() + (Math.floor(k / dim) < n / 2 ? 0 : 8));
    const y = tsne(data, n, dim, new Rng(1), { perplexity: 10, iterations: 400 });
    const distance = (i: number, j: number): number => Math.hypot(y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]);
    const cluster = (i: number): number => (i < n / 2 ? 0 : 1);
    let widestNeighbourGap = 0;
    let narrowestClusterGap = Infinity;
    for (let i = 0; i < n; i++) {
      let nearest = -1;
      for (let j = 0; j < n; j++) {
        if (j !== i && (nearest < 0 || distance(i, j) < distance(i, nearest))) nearest = j;
        if (cluster(j) !== cluster(i)) narrowestClusterGap = Math.min(narrowestClusterGap, distance(i, j));
      }
      expect(cluster(nearest), `the nearest point to ${i} in the map`).to.equal(cluster(i));
      widestNeighbourGap = Math.max(widestNeighbourGap, distance(i, nearest));
    }
    // the two clusters are further apart than twice the largest step between neighbours within one
    expect(narrowestClusterGap).to.be.greaterThan(2 * widestNeighbourGap);
    expect(Array.from(tsne(data, n, dim, new Rng(1), { perplexity: 10, iterations: 400 }))).to.deep.equal(
      Array.from(y),
    ); // seeded
  });

  it('the sprite is a ⌈√N⌉·size square, tiles row-major, first image top left', () => {
    const test = take(loadEmbeddedDigits().test, 10);
    const png = PNG.sync.read(spriteImage(test).toPNG());
    expect([png.width, png.height]).to.deep.equal([4 * 28, 4 * 28]);
    // image 5 sits in row 1, column 1; compare one of its pixels with the data
    const [x, y] = [28 + 14, 28 + 10];
    expect(png.data[(y * png.width + x) * 4]).to.equal(Math.round(255 * test.images[5 * 784 + 10 * 28 + 14]));
  });

  it('projector files agree with each other: rows, labels, sprite size, config', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-projector-'));
    try {
      const test = take(loadEmbeddedDigits().test, 30);
      const embeddings = randn([30, 5], new Rng(1));
      writeProjector(dir, embeddings, test);
      const rows = fs.readFileSync(path.join(dir, 'embeddings.tsv'), 'utf8').trimEnd().split('\n');
      expect(rows).to.have.length(30);
      // the shortest decimal that reads back as the same float32
      expect(rows[3].split('\t').map((v) => Math.fround(Number(v)))).to.deep.equal(
        Array.from(embeddings.data.subarray(15, 20)),
      );
      expect(fs.readFileSync(path.join(dir, 'metadata.tsv'), 'utf8').trimEnd().split('\n').map(Number)).to.deep.equal(
        Array.from(test.labels),
      );
      const sprite = PNG.sync.read(fs.readFileSync(path.join(dir, 'sprite.png')));
      expect([sprite.width, sprite.height]).to.deep.equal([6 * 28, 6 * 28]);
      const config = fs.readFileSync(path.join(dir, 'projector_config.pbtxt'), 'utf8');
      expect(config)
        .to.contain('tensor_path: "embeddings.tsv"')
        .and.contain('metadata_path: "metadata.tsv"')
        .and.contain('image_path: "sprite.png"');
      expect(config.match(/single_image_dim: 28/g)).to.have.length(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a scatter plot decodes as PNG of the asked size, with each class drawn in its colour', () => {
    const points = tensor([0, 0, 10, 10, 0, 10], [3, 2]).data;
    const png = PNG.sync.read(scatterPlot(points, [0, 1, 2], { title: 'test', width: 400, height: 300 }).toPNG());
    expect([png.width, png.height]).to.deep.equal([400, 300]);
    const colours = new Set<string>();
    for (let i = 0; i < png.width * png.height; i++)
      colours.add(`${png.data[4 * i]},${png.data[4 * i + 1]},${png.data[4 * i + 2]}`);
    for (const c of ['31,119,180', '255,127,14', '44,160,44']) expect(colours.has(c), c).to.equal(true);
  });

  it('text is drawn from the bitmap font: "1" lights the pixels of its glyph', () => {
    const canvas = new Canvas(10, 10);
    canvas.text(0, 0, '1', [0, 0, 0], 1);
    const dark = (x: number, y: number): boolean => canvas.pixels[(y * 10 + x) * 4] === 0;
    // glyph '1' row 0 is 0b00100 (column 2), row 6 is 0b01110 (columns 1–3)
    expect([0, 1, 2, 3, 4].map((x) => dark(x, 0))).to.deep.equal([false, false, true, false, false]);
    expect([0, 1, 2, 3, 4].map((x) => dark(x, 6))).to.deep.equal([false, true, true, true, false]);
  });

  it('axis ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 1, 5)).to.deep.equal([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.843, 0.902, 4)).to.deep.equal([0.86, 0.88, 0.9]); // raw step 0.0148 → 0.02
    expect(niceTicks(3, 97, 4)).to.deep.equal([20, 40, 60, 80]);
  });

  it('an axis of steps has whole-number ticks, also around a single evaluation (19.6 … 20.4 gives 20 alone)', () => {
    expect(niceTicks(19.6, 20.4, 6)).to.include(19.7); // what the chart of steps showed before
    expect(niceTicks(19.6, 20.4, 6, true)).to.deep.equal([20]);
    expect(niceTicks(0, 3, 6, true)).to.deep.equal([0, 1, 2, 3]);
    expect(niceTicks(0, 1000, 6, true)).to.deep.equal([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(20.1, 20.3, 6, true)).to.deep.equal([20]);
    expect(niceTicks(7, 7, 6, true)).to.deep.equal([7]);
  });
});
