import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { DataError, loadIdxDirectory, readIdxImages, readIdxLabels } from '../../lib';
import { idxImages, idxLabels, writeIdxFolder } from '../support/idx';

describe('data: IDX files', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-idx-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const gzip of [false, true]) {
    it(`reads the four files ${gzip ? 'gzipped' : 'raw'}: pixels / 255, labels, counts, image size`, () => {
      writeIdxFolder(dir, { gzip });
      const data = loadIdxDirectory(dir);
      expect(data.train.count).to.equal(60);
      expect(data.test.count).to.equal(30);
      expect(data.train.imageSize).to.equal(8);
      // image 5, row 2, column 3: (5·7 + 2·3 + 3·11) mod 256 = 74
      expect(data.train.images[5 * 64 + 2 * 8 + 3]).to.be.closeTo(74 / 255, 1e-7);
      expect(Array.from(data.train.labels.slice(0, 5))).to.deep.equal([0, 1, 2, 0, 1]);
      expect(Array.from(data.test.labels.slice(0, 4))).to.deep.equal([0, 2, 1, 0]);
      expect(data.description).to.contain('60 train / 30 test, 8×8');
    });
  }

  it('accepts the dotted names some mirrors use (train-images.idx3-ubyte)', () => {
    writeIdxFolder(dir);
    fs.renameSync(path.join(dir, 'train-images-idx3-ubyte'), path.join(dir, 'train-images.idx3-ubyte'));
    expect(loadIdxDirectory(dir).train.count).to.equal(60);
  });

  const failures: Array<[string, (d: string) => void, RegExp]> = [
    ['a missing directory', (d) => fs.rmSync(d, { recursive: true }), /: no such data directory$/],
    [
      'a missing file',
      (d) => {
        writeIdxFolder(d);
        fs.rmSync(path.join(d, 't10k-labels-idx1-ubyte'));
      },
      /t10k-labels-idx1-ubyte: missing \(looked for t10k-labels-idx1-ubyte and t10k-labels-idx1-ubyte\.gz\)$/,
    ],
    [
      'a wrong magic number',
      (d) => writeIdxFolder(d, { override: { 'train-images-idx3-ubyte': idxImages(4, 8, 8, () => 0, 2049) } }),
      /train-images-idx3-ubyte: wrong magic number 2049 \(expected 2051, images\)$/,
    ],
    [
      'labels with the images magic',
      (d) => writeIdxFolder(d, { override: { 'train-labels-idx1-ubyte': idxLabels([0, 1], 2051) } }),
      /train-labels-idx1-ubyte: wrong magic number 2051 \(expected 2049, labels\)$/,
    ],
    [
      'a truncated image file',
      (d) =>
        writeIdxFolder(d, { override: { 't10k-images-idx3-ubyte': idxImages(30, 8, 8, () => 1).subarray(0, 500) } }),
      /t10k-images-idx3-ubyte: truncated: 30 images of 8×8 need 1936 bytes, the file has 500$/,
    ],
    [
      'a truncated header',
      (d) => writeIdxFolder(d, { override: { 't10k-labels-idx1-ubyte': Buffer.from([0, 0, 8]) } }),
      /t10k-labels-idx1-ubyte: truncated: 3 bytes, shorter than the IDX header$/,
    ],
    [
      'a label count that differs from the image count',
      (d) => writeIdxFolder(d, { override: { 'train-labels-idx1-ubyte': idxLabels([0, 1, 2]) } }),
      /train-labels-idx1-ubyte: 3 labels for 60 images in .*train-images-idx3-ubyte$/,
    ],
    [
      'an empty data set',
      (d) =>
        writeIdxFolder(d, {
          override: { 't10k-images-idx3-ubyte': idxImages(0, 8, 8, () => 0), 't10k-labels-idx1-ubyte': idxLabels([]) },
        }),
      /t10k-images-idx3-ubyte: the data set is empty$/,
    ],
    [
      'non-square images',
      (d) => writeIdxFolder(d, { override: { 'train-images-idx3-ubyte': idxImages(60, 8, 6, () => 0) } }),
      /train-images-idx3-ubyte: images are 8×6; only square images are supported$/,
    ],
    [
      'a corrupted gzip file',
      (d) => {
        writeIdxFolder(d, { gzip: true });
        const file = path.join(d, 'train-images-idx3-ubyte.gz');
        fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40));
      },
      /train-images-idx3-ubyte\.gz: corrupted or truncated gzip data$/,
    ],
  ];
  for (const [what, setup, message] of failures) {
    it(`names the file and the problem for ${what}`, () => {
      setup(dir);
      expect(() => loadIdxDirectory(dir)).to.throw(DataError, message);
    });
  }

  it('refuses a FIFO or a directory in place of a file, at once (it used to block forever)', () => {
    writeIdxFolder(dir);
    const file = path.join(dir, 'train-labels-idx1-ubyte');
    fs.rmSync(file);
    execFileSync('mkfifo', [file]);
    expect(() => loadIdxDirectory(dir)).to.throw(DataError, `${file}: not a regular file`);
    fs.rmSync(file);
    fs.mkdirSync(file);
    expect(() => loadIdxDirectory(dir)).to.throw(DataError, `${file}: not a regular file`);
  });

  it('reads no more than the header announces: a 2.5 GB (sparse) file with a small header loads at once', () => {
    writeIdxFolder(dir);
    const file = path.join(dir, 'train-images-idx3-ubyte');
    fs.truncateSync(file, 2.5 * 2 ** 30); // reading it whole would need a 2.5 GB buffer (Node refuses past 2 GB)
    const { images, count } = readIdxImages(file);
    expect([count, images.length]).to.deep.equal([60, 60 * 64]);
    expect(images[1]).to.equal(Math.fround(11 / 255)); // pixel (0, 0, 1) = 11
  });

  it('refuses a gzip that expands past what its header announces (a small bomb does not take the memory)', () => {
    writeIdxFolder(dir);
    const file = path.join(dir, 'train-labels-idx1-ubyte.gz');
    fs.rmSync(path.join(dir, 'train-labels-idx1-ubyte'));
    // 60 labels announced, then 64 MB of zeros: about 64 KB gzipped
    fs.writeFileSync(
      file,
      gzipSync(Buffer.concat([idxLabels(Array.from({ length: 60 }, (_, i) => i % 3)), Buffer.alloc(64 * 2 ** 20)])),
    );
    expect(fs.statSync(file).size).to.be.below(200_000);
    expect(() => readIdxLabels(file)).to.throw(
      DataError,
      `${file}: expands past the 68 bytes its header announces (refused)`,
    );
  });

  it('refuses a header that announces more than it can take, before allocating', () => {
    const file = path.join(dir, 'huge-idx3-ubyte');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, idxImages(0, 1, 1, () => 0, 2051).fill(0xff, 4, 8)); // count 2³² − 1
    expect(() => readIdxImages(file)).to.throw(
      DataError,
      /header announces \d+ bytes of data, more than this reader takes/,
    );
  });
});
