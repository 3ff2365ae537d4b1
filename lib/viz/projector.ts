import * as path from 'node:path';
import { Tensor } from '../autograd';
import { Dataset } from '../data';
import { writeFileAtomic } from '../util/files';
import { Canvas } from './canvas';

/**
 * A sprite for TensorBoard's projector: the images as tiles in a square grid of ⌈√N⌉ per side, row-major, the
 * first image top left — white digits on black, as MNIST draws them.
 */
export function spriteImage(dataset: Dataset, count = dataset.count): Canvas {
  const side = Math.ceil(Math.sqrt(count));
  const s = dataset.imageSize;
  const canvas = new Canvas(side * s, side * s, [0, 0, 0]);
  for (let i = 0; i < count; i++) {
    const [tx, ty] = [(i % side) * s, Math.floor(i / side) * s];
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const v = Math.round(255 * dataset.images[(i * s + y) * s + x]);
        canvas.pixels.set([v, v, v, 255], ((ty + y) * canvas.width + tx + x) * 4);
      }
    }
  }
  return canvas;
}

/** A float32 value written with the fewest digits that read back to the same float32. */
export function shortFloat(v: number): string {
  return String(Number(v.toPrecision(9)));
}

/** One row per point, tab-separated values, no header: the projector's tensor TSV (and `triplet embed`'s output). */
export function embeddingsTsv(embeddings: Tensor): string {
  const [n, dim] = embeddings.shape;
  const rows: string[] = [];
  for (let i = 0; i < n; i++)
    rows.push(Array.from(embeddings.data.subarray(i * dim, (i + 1) * dim), shortFloat).join('\t'));
  return rows.join('\n') + '\n';
}

/**
 * The files of TensorBoard's embedding projector in `dir`: embeddings.tsv (the tensor), metadata.tsv (one label
 * per line; a single column has no header), sprite.png, and projector_config.pbtxt pointing at them. The TSVs
 * also load in the standalone projector (projector.tensorflow.org, "Load").
 */
export function writeProjector(dir: string, embeddings: Tensor, dataset: Dataset): string[] {
  const n = embeddings.shape[0];
  const files = {
    tensors: path.join(dir, 'embeddings.tsv'),
    metadata: path.join(dir, 'metadata.tsv'),
    sprite: path.join(dir, 'sprite.png'),
    config: path.join(dir, 'projector_config.pbtxt'),
  };
  writeFileAtomic(files.tensors, embeddingsTsv(embeddings));
  writeFileAtomic(files.metadata, Array.from(dataset.labels.subarray(0, n)).join('\n') + '\n');
  writeFileAtomic(files.sprite, spriteImage(dataset, n).toPNG());
  const s = dataset.imageSize;
  writeFileAtomic(
    files.config,
    [
      'embeddings {',
      '  tensor_name: "test_embeddings"',
      '  tensor_path: "embeddings.tsv"',
      '  metadata_path: "metadata.tsv"',
      '  sprite {',
      '    image_path: "sprite.png"',
      `    single_image_dim: ${s}`,
      `    single_image_dim: ${s}`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return Object.values(files);
}
