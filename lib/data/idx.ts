import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { DataError, DataSplits, Dataset, checkDataset } from './dataset';

/**
 * The IDX format of the MNIST files: a big-endian header — magic (2051 for images, 2049 for labels), the count,
 * and for images the rows and columns — then one unsigned byte per pixel or label. Files may be gzipped.
 */
export const IMAGES_MAGIC = 2051;
export const LABELS_MAGIC = 2049;

/** The four standard files, each looked for raw, gzipped, or with the dot some mirrors use (train-images.idx3-ubyte). */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

function findFile(dir: string, base: string): string {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new DataError(`${path.join(dir, base)}: missing (looked for ${base} and ${base}.gz)`);
}

/** What this reader takes at most (a header announcing more is refused before anything is allocated). */
const MAX_BYTES = 2 ** 31 - 1;

/**
 * The header fields and the bytes of an IDX file, raw or gzipped, reading no more than its header announces: a
 * file that is not a regular one (a FIFO, a device) is refused before it is opened, a raw file is read only up to
 * its announced length, and a gzip is expanded only that far (a small .gz that would expand to gigabytes is
 * refused, not let loose on the machine's memory).
 */
function readIdx(file: string, magic: number, fields: number): { values: number[]; bytes: Buffer } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (!stat.isFile()) throw new DataError(`${file}: not a regular file`);
  const fd = fs.openSync(file, 'r');
  try {
    const start = Buffer.alloc(Math.min(stat.size, 4096));
    fs.readSync(fd, start, 0, start.length, 0);
    const gzipped = start.length >= 2 && start[0] === 0x1f && start[1] === 0x8b;
    // a small file is all in hand: expanded strictly, so that a truncated gzip says so
    const head = !gzipped
      ? start
      : start.length === stat.size
        ? gunzipBounded(start, MAX_BYTES, file)
        : gunzipPrefix(start, file);
    const values = header(head, file, magic, fields);
    const announced = 4 * fields + values.slice(1).reduce((n, v) => n * v, 1);
    if (announced > MAX_BYTES) {
      throw new DataError(
        `${file}: the header announces ${announced} bytes of data, more than this reader takes (${MAX_BYTES})`,
      );
    }
    if (!gzipped) {
      const bytes = Buffer.alloc(Math.min(stat.size, announced));
      fs.readSync(fd, bytes, 0, bytes.length, 0);
      return { values, bytes };
    }
    const compressed = Buffer.alloc(stat.size);
    fs.readSync(fd, compressed, 0, stat.size, 0);
    return { values, bytes: gunzipBounded(compressed, announced, file) };
  } finally {
    fs.closeSync(fd);
  }
}

/** The start of a gzip's contents (enough for a header), without expanding the rest. */
function gunzipPrefix(start: Buffer, file: string): Buffer {
  try {
    return gunzipSync(start, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    throw new DataError(`${file}: corrupted or truncated gzip data`);
  }
}

function gunzipBounded(compressed: Buffer, limit: number, file: string): Buffer {
  try {
    return gunzipSync(compressed, { maxOutputLength: Math.max(limit, 1) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(`${file}: expands past the ${limit} bytes its header announces (refused)`);
    }
    throw new DataError(`${file}: corrupted or truncated gzip data`);
  }
}

function header(bytes: Buffer, file: string, magic: number, fields: number): number[] {
  if (bytes.length < 4 * fields)
    throw new DataError(`${file}: truncated: ${bytes.length} bytes, shorter than the IDX header`);
  const values = Array.from({ length: fields }, (_, i) => bytes.readUInt32BE(4 * i));
  if (values[0] !== magic) {
    throw new DataError(
      `${file}: wrong magic number ${values[0]} (expected ${magic}, ${magic === IMAGES_MAGIC ? 'images' : 'labels'})`,
    );
  }
  return values;
}

export function readIdxImages(file: string): { images: Float32Array; count: number; rows: number; cols: number } {
  const { values, bytes } = readIdx(file, IMAGES_MAGIC, 4);
  const [, count, rows, cols] = values;
  const expected = 16 + count * rows * cols;
  if (bytes.length < expected)
    throw new DataError(
      `${file}: truncated: ${count} images of ${rows}×${cols} need ${expected} bytes, the file has ${bytes.length}`,
    );
  if (rows !== cols) throw new DataError(`${file}: images are ${rows}×${cols}; only square images are supported`);
  const images = new Float32Array(count * rows * cols);
  for (let i = 0; i < images.length; i++) images[i] = bytes[16 + i] / 255;
  return { images, count, rows, cols };
}

export function readIdxLabels(file: string): Uint8Array {
  const { values, bytes } = readIdx(file, LABELS_MAGIC, 2);
  const [, count] = values;
  if (bytes.length < 8 + count)
    throw new DataError(`${file}: truncated: ${count} labels need ${8 + count} bytes, the file has ${bytes.length}`);
  return Uint8Array.from(bytes.subarray(8, 8 + count));
}

function readSplit(dir: string, imagesBase: string, labelsBase: string): Dataset {
  const imagesFile = findFile(dir, imagesBase);
  const labelsFile = findFile(dir, labelsBase);
  const { images, count, rows } = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile);
  if (labels.length !== count)
    throw new DataError(`${labelsFile}: ${labels.length} labels for ${count} images in ${imagesFile}`);
  return checkDataset({ images, labels, count, imageSize: rows, source: imagesFile });
}

/** The four MNIST IDX files of a folder (raw or .gz), as the original reads them. Pixels are scaled to [0, 1]. */
export function loadIdxDirectory(dir: string): DataSplits {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new DataError(`${dir}: no such data directory`);
  const train = readSplit(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels);
  const test = readSplit(dir, IDX_FILES.testImages, IDX_FILES.testLabels);
  if (train.imageSize !== test.imageSize)
    throw new DataError(
      `${dir}: training images are ${train.imageSize}×${train.imageSize}, test images ${test.imageSize}×${test.imageSize}`,
    );
  return {
    train,
    test,
    description: `IDX files in ${dir}: ${train.count} train / ${test.count} test, ${train.imageSize}×${train.imageSize}`,
  };
}
