import * as fs from 'node:fs';
import { PNG } from 'pngjs';
import { readFile } from '../util/files';
import { DataError } from './dataset';
import { IMAGES_MAGIC, readIdxImages } from './idx';

/** Images to embed, from files a user has: each with the name it is reported under. */
export interface NamedImages {
  /** [count · size · size] pixels in [0, 1]. */
  images: Float32Array;
  names: string[];
  imageSize: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * PNG files (one image each: grey-scale as it is, colour to its luminance 0.299 R + 0.587 G + 0.114 B as ITU-R
 * BT.601 and PIL's convert('L'), alpha ignored; pixels / 255) and IDX image files (each image named FILE[i]), told
 * apart by their first bytes. Every image must be `imageSize` square: another size is refused, never resized.
 */
export function readImageFiles(files: readonly string[], imageSize: number): NamedImages {
  const parts = files.map((file) => readImageFile(file, imageSize));
  const images = new Float32Array(parts.reduce((n, p) => n + p.images.length, 0));
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at);
    at += p.images.length;
  }
  return { images, names: parts.flatMap((p) => p.names), imageSize };
}

function readImageFile(file: string, imageSize: number): { images: Float32Array; names: string[] } {
  if (!fs.existsSync(file)) throw new DataError(`${file}: no such file`);
  if (!fs.statSync(file).isFile()) throw new DataError(`${file}: not a regular file`);
  const bytes = readFile(file);
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return { images: readPng(bytes, file, imageSize), names: [file] };
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === IMAGES_MAGIC) {
    const idx = readIdxImages(file);
    if (idx.rows !== imageSize) throw wrongSize(file, `${idx.rows}×${idx.cols}`, imageSize);
    return { images: idx.images, names: Array.from({ length: idx.count }, (_, i) => `${file}[${i}]`) };
  }
  throw new DataError(`${file}: neither a PNG nor an IDX image file`);
}

function readPng(bytes: Buffer, file: string, imageSize: number): Float32Array {
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new DataError(`${file}: not a readable PNG (${(error as Error).message})`);
  }
  if (png.width !== imageSize || png.height !== imageSize)
    throw wrongSize(file, `${png.width}×${png.height}`, imageSize);
  const pixels = new Float32Array(imageSize * imageSize);
  // pngjs gives RGBA, 8 bits a channel, whatever the file's colour type: grey has R = G = B
  for (let i = 0; i < pixels.length; i++) {
    const [r, g, b] = [png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]];
    pixels[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  return pixels;
}

function wrongSize(file: string, size: string, imageSize: number): DataError {
  return new DataError(
    `${file}: the image is ${size} but the model takes ${imageSize}×${imageSize} (image_size); resize it first`,
  );
}
