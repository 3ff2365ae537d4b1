import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Writes an IDX images file (magic 2051, big-endian header, one byte per pixel), as the MNIST files are. */
export function idxImages(
  count: number,
  rows: number,
  cols: number,
  pixel: (i: number, r: number, c: number) => number,
  magic = 2051,
): Buffer {
  const out = Buffer.alloc(16 + count * rows * cols);
  [magic, count, rows, cols].forEach((v, k) => out.writeUInt32BE(v, 4 * k));
  for (let i = 0; i < count; i++)
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[16 + (i * rows + r) * cols + c] = pixel(i, r, c);
  return out;
}

/** Writes an IDX labels file (magic 2049). */
export function idxLabels(labels: number[], magic = 2049): Buffer {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(magic, 0);
  out.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (out[8 + i] = l));
  return out;
}

/** A folder of the four MNIST files with small images; `gzip` compresses them; `override` replaces any file. */
export function writeIdxFolder(
  dir: string,
  options: {
    train?: number;
    test?: number;
    size?: number;
    classes?: number;
    gzip?: boolean;
    override?: Record<string, Buffer>;
  } = {},
): void {
  const { train = 60, test = 30, size = 8, classes = 3, gzip = false, override = {} } = options;
  const pixel = (i: number, r: number, c: number): number => (i * 7 + r * 3 + c * 11) % 256;
  const files: Record<string, Buffer> = {
    'train-images-idx3-ubyte': idxImages(train, size, size, pixel),
    'train-labels-idx1-ubyte': idxLabels(Array.from({ length: train }, (_, i) => i % classes)),
    't10k-images-idx3-ubyte': idxImages(test, size, size, pixel),
    't10k-labels-idx1-ubyte': idxLabels(Array.from({ length: test }, (_, i) => (i * 2) % classes)),
    ...override,
  };
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files))
    fs.writeFileSync(path.join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
}
