import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
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

function readBytes(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch {
      throw new DataError(`${file}: corrupted or truncated gzip data`);
    }
  }
  return bytes;
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
  const bytes = readBytes(file);
  const [, count, rows, cols] = header(bytes, file, IMAGES_MAGIC, 4);
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
  const bytes = readBytes(file);
  const [, count] = header(bytes, file, LABELS_MAGIC, 2);
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
