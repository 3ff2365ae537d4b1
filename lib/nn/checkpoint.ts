import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NDArray, Rng, RngState } from '../autograd';
import { readFile, writeFileAtomic } from '../util/files';
import { CheckpointError } from './errors';
import { Module } from './module';
import { Adam } from './optim/adam';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

const FORMAT = 'triplet-checkpoint/1';
const MODEL = 'model.';
const MOMENT_M = 'optimizer.m.';
const MOMENT_V = 'optimizer.v.';

/** Everything besides the tensors that a resumed run needs. */
export interface CheckpointMeta {
  /** Training steps taken in all. */
  step: number;
  /** The epoch in progress (0-based), and how many of its batches are done: where a resumed run picks up. */
  epoch: number;
  stepInEpoch: number;
  rng: RngState | null;
  /** The experiment's params.json, as trained. */
  params: Record<string, unknown> | null;
  /** Evaluation results when known (the best checkpoint is chosen by one of them). */
  metrics: Record<string, number> | null;
  optimizer: { lr: number; beta1: number; beta2: number; epsilon: number; iterations: number } | null;
  /** Saved at the end of an epoch before its evaluation ran: the evaluation is still to do. */
  pendingEvaluation?: boolean;
}

export interface Checkpoint {
  /** `model.<name>` for parameters and buffers, `optimizer.m.<name>` / `optimizer.v.<name>` for Adam's moments. */
  tensors: Map<string, NDArray>;
  meta: CheckpointMeta;
}

export interface TrainingParts {
  model: Module;
  optimizer?: Adam;
  step: number;
  epoch: number;
  stepInEpoch?: number;
  rng?: Rng;
  params?: Record<string, unknown>;
  metrics?: Record<string, number>;
  /** The epoch that just ended is due an evaluation not yet done (a run stopped during it finishes it on resume). */
  pendingEvaluation?: boolean;
}

function collect(parts: TrainingParts): Checkpoint {
  const tensors = new Map<string, NDArray>();
  for (const [name, t] of parts.model.stateDict()) tensors.set(MODEL + name, t);
  const opt = parts.optimizer;
  if (opt) {
    const state = opt.stateDict();
    for (const [name, m] of state.m) tensors.set(MOMENT_M + name, m);
    for (const [name, v] of state.v) tensors.set(MOMENT_V + name, v);
  }
  const optimizer = opt
    ? { lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, iterations: opt.iterations }
    : null;
  return {
    tensors,
    meta: {
      step: parts.step,
      epoch: parts.epoch,
      stepInEpoch: parts.stepInEpoch ?? 0,
      rng: parts.rng?.state() ?? null,
      params: parts.params ?? null,
      metrics: parts.metrics ?? null,
      optimizer,
      ...(parts.pendingEvaluation && { pendingEvaluation: true }),
    },
  };
}

/**
 * The checksum covers the metadata and every tensor — its name, dtype, shape and bytes, taken in name order — so a
 * flipped bit anywhere is caught on load, while a file whose tensors another writer laid out in another order
 * (Python's safetensors sorts them) still checks.
 */
function checksum(metaJson: string, tensors: ReadonlyMap<string, NDArray>): string {
  const hash = createHash('sha256').update(metaJson);
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    hash.update(`\n${name} ${t.dtype} ${t.shape.join(',')}\n`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

/** The checksum of checkpoints written before 2026-12-02: the metadata, then the bytes in file order. */
function checksumInFileOrder(metaJson: string, tensors: ReadonlyMap<string, NDArray>): string {
  const hash = createHash('sha256').update(metaJson);
  for (const t of tensors.values()) hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return hash.digest('hex');
}

/** Saves model, optimiser and progress to one safetensors file, atomically (temp file, fsync, rename). */
export function saveCheckpoint(file: string, parts: TrainingParts): Checkpoint {
  const checkpoint = collect(parts);
  const metaJson = JSON.stringify(checkpoint.meta);
  writeFileAtomic(
    file,
    encodeSafetensors(checkpoint.tensors, {
      format: FORMAT,
      meta: metaJson,
      sha256: checksum(metaJson, checkpoint.tensors),
    }),
  );
  return checkpoint;
}

/** Reads and verifies a checkpoint (format, layout, checksum); the tensors are fresh copies. */
export function loadCheckpoint(file: string): Checkpoint {
  if (!fs.existsSync(file)) throw new CheckpointError(`no checkpoint at ${file}`);
  const { tensors, metadata } = decodeSafetensors(readFile(file), file);
  if (metadata.format !== FORMAT)
    throw new CheckpointError(
      `${file}: not a triplet checkpoint (format '${metadata.format ?? 'none'}', expected '${FORMAT}')`,
    );
  const metaJson = metadata.meta ?? '';
  if (checksum(metaJson, tensors) !== metadata.sha256 && checksumInFileOrder(metaJson, tensors) !== metadata.sha256) {
    throw new CheckpointError(`${file}: corrupted: checksum mismatch (the file was changed after it was written)`);
  }
  return { tensors, meta: checkMeta(metaJson, file) };
}

/**
 * The metadata as written by saveCheckpoint, checked field by field: a header forged or damaged in a way the
 * checksum was recomputed for (null, negative counters) is refused here, naming the field, instead of failing later.
 */
function checkMeta(json: string, file: string): CheckpointMeta {
  let meta: unknown;
  try {
    meta = JSON.parse(json);
  } catch {
    throw new CheckpointError(`${file}: corrupted: its metadata is not valid JSON`);
  }
  const fail = (what: string): never => {
    throw new CheckpointError(`${file}: invalid metadata: ${what}`);
  };
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    return fail(`expected an object, got ${json.slice(0, 40)}`);
  const m = meta as Record<string, unknown>;
  for (const key of ['step', 'epoch', 'stepInEpoch'] as const) {
    if (!Number.isSafeInteger(m[key]) || (m[key] as number) < 0)
      fail(`${key} must be a non-negative integer, got ${JSON.stringify(m[key])}`);
  }
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const key of ['params', 'metrics', 'optimizer'] as const) {
    if (m[key] !== null && m[key] !== undefined && !isObject(m[key])) fail(`${key} must be an object or null`);
  }
  const rng = m.rng;
  if (
    rng !== null &&
    rng !== undefined &&
    !(Array.isArray(rng) && rng.length === 4 && rng.every((v) => Number.isInteger(v)))
  ) {
    fail('rng must be four integers or null');
  }
  const optimizer = m.optimizer as Record<string, unknown> | null | undefined;
  if (optimizer && !(Number.isSafeInteger(optimizer.iterations) && (optimizer.iterations as number) >= 0)) {
    fail('optimizer.iterations must be a non-negative integer');
  }
  return {
    ...m,
    params: m.params ?? null,
    metrics: m.metrics ?? null,
    optimizer: m.optimizer ?? null,
    rng: m.rng ?? null,
  } as CheckpointMeta;
}

function withPrefix(tensors: ReadonlyMap<string, NDArray>, prefix: string): Map<string, NDArray> {
  return new Map(
    [...tensors].filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]),
  );
}

/**
 * Puts a checkpoint's values into a model (and optimiser): every tensor's name, shape and dtype is checked
 * first, and a mismatch names the tensor and both shapes.
 */
export function restoreCheckpoint(
  checkpoint: Checkpoint,
  parts: { model: Module; optimizer?: Adam },
  source = 'checkpoint',
): CheckpointMeta {
  parts.model.loadStateDict(withPrefix(checkpoint.tensors, MODEL), source);
  if (parts.optimizer) {
    if (!checkpoint.meta.optimizer) throw new CheckpointError(`${source}: holds no optimiser state to resume from`);
    parts.optimizer.loadStateDict({
      step: checkpoint.meta.optimizer.iterations,
      m: withPrefix(checkpoint.tensors, MOMENT_M),
      v: withPrefix(checkpoint.tensors, MOMENT_V),
    });
  }
  return checkpoint.meta;
}

/**
 * The checkpoints of one experiment folder: the last one (written as training goes) and the best one by an
 * evaluation metric (higher is better), each a single safetensors file.
 */
export class CheckpointDir {
  readonly last: string;
  readonly best: string;

  constructor(readonly dir: string) {
    this.last = path.join(dir, 'checkpoint-last.safetensors');
    this.best = path.join(dir, 'checkpoint-best.safetensors');
  }

  hasLast(): boolean {
    return fs.existsSync(this.last);
  }

  saveLast(parts: TrainingParts): void {
    saveCheckpoint(this.last, parts);
  }

  /** Saves as the best checkpoint when `metric` beats the best so far; returns whether it did. */
  saveBestIfBetter(parts: TrainingParts, metric: string): boolean {
    const value = parts.metrics?.[metric];
    if (value === undefined || !Number.isFinite(value)) return false;
    const previous = fs.existsSync(this.best) ? loadCheckpoint(this.best).meta.metrics?.[metric] : undefined;
    if (previous !== undefined && previous >= value) return false;
    saveCheckpoint(this.best, parts);
    return true;
  }
}
