import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor } from '../autograd';
import { Dataset } from '../data';
import { decodeSafetensors, encodeSafetensors, Module } from '../nn';
import { readFile, writeFileAtomic } from '../util/files';
import { embedDataset } from './evaluate';

/**
 * What `predict` compares new images with: the training split's embeddings and labels, cached in the model_dir
 * beside the checkpoint they came from (gallery-last.safetensors, gallery-best.safetensors) and made again when
 * the checkpoint or the data changes (the cache records the checkpoint's SHA-256 and the data's description).
 */
export interface Gallery {
  embeddings: Float32Array;
  labels: Uint8Array;
  dim: number;
  /** Read from the cache (false: computed now, and cached). */
  cached: boolean;
}

export function trainingGallery(options: {
  model: Module;
  checkpoint: string;
  which: 'last' | 'best';
  dataset: Dataset;
  dataDescription: string;
}): Gallery {
  const { model, checkpoint, which, dataset } = options;
  const file = path.join(path.dirname(checkpoint), `gallery-${which}.safetensors`);
  const key = {
    checkpoint_sha256: createHash('sha256').update(readFile(checkpoint)).digest('hex'),
    data: `${options.dataDescription}; ${dataset.source}; ${dataset.count} images`,
  };
  const saved = readCache(file, key);
  if (saved) return { ...saved, cached: true };
  const embeddings = embedDataset(model, dataset);
  const labels = Float32Array.from(dataset.labels);
  const tensors = new Map([
    ['embeddings', embeddings],
    ['labels', new Tensor(labels, [labels.length])],
  ]);
  writeFileAtomic(file, encodeSafetensors(tensors, key));
  return {
    embeddings: embeddings.data as Float32Array,
    labels: dataset.labels,
    dim: embeddings.shape[1],
    cached: false,
  };
}

/** The cached gallery when it was made from this checkpoint and data (a damaged cache is made again). */
function readCache(file: string, key: Record<string, string>): Omit<Gallery, 'cached'> | null {
  if (!fs.existsSync(file)) return null;
  try {
    const { tensors, metadata } = decodeSafetensors(readFile(file), file);
    if (Object.entries(key).some(([k, v]) => metadata[k] !== v)) return null;
    const embeddings = tensors.get('embeddings')!;
    return {
      embeddings: embeddings.data as Float32Array,
      labels: Uint8Array.from(tensors.get('labels')!.data),
      dim: embeddings.shape[1],
    };
  } catch {
    return null;
  }
}
