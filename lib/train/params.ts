import { TripletError } from '../tensor/errors';
import { closest } from '../util/closest';
import { locateJsonError } from '../util/json-location';

/** params.json is wrong: invalid JSON, an unknown key, a wrong type, a value out of range. Exit code 2. */
export class ConfigError extends TripletError {}

/** The hyper-parameters of an experiment: the original project's keys, then ours. */
export interface Params {
  learning_rate: number;
  batch_size: number;
  num_epochs: number;
  num_channels: number;
  use_batch_norm: boolean;
  bn_momentum: number;
  margin: number;
  embedding_size: number;
  triplet_strategy: 'batch_all' | 'batch_hard' | 'batch_semihard';
  squared: boolean;
  image_size: number;
  num_labels: number;
  train_size: number;
  eval_size: number;
  num_parallel_calls: number;
  save_summary_steps: number;
  seed: number;
  sampler: 'shuffle' | 'balanced';
  images_per_class: number;
  soft_margin: boolean;
  drop_last: boolean;
  save_checkpoint_steps: number;
  eval_every_epochs: number;
}

interface Field {
  type: 'number' | 'integer' | 'boolean' | 'choice';
  default: number | boolean | string;
  min?: number;
  /** Values must be strictly above min. */
  minExclusive?: boolean;
  /** Values must be strictly below max. */
  max?: number;
  choices?: readonly string[];
  /** Ours (not in the original project). */
  ours?: boolean;
  doc: string;
}

/** Every key, its type, range, default and meaning: validation, the default file and the README table come from here. */
export const PARAMS_SCHEMA: Record<keyof Params, Field> = {
  learning_rate: { type: 'number', default: 1e-3, min: 0, minExclusive: true, doc: 'Adam step size' },
  batch_size: { type: 'integer', default: 64, min: 2, doc: 'images per training batch' },
  num_epochs: { type: 'integer', default: 20, min: 1, doc: 'passes over the training set' },
  num_channels: {
    type: 'integer',
    default: 32,
    min: 1,
    doc: 'channels of the first convolution (the second has twice as many)',
  },
  use_batch_norm: { type: 'boolean', default: false, doc: 'batch normalisation after each convolution' },
  bn_momentum: {
    type: 'number',
    default: 0.9,
    min: 0,
    max: 1,
    doc: "weight of the old value in batch norm's moving averages (max exclusive)",
  },
  margin: { type: 'number', default: 0.5, min: 0, doc: 'triplet margin (unused with soft_margin)' },
  embedding_size: { type: 'integer', default: 64, min: 1, doc: 'size of the embedding' },
  triplet_strategy: {
    type: 'choice',
    default: 'batch_all',
    choices: ['batch_all', 'batch_hard', 'batch_semihard'],
    doc: 'online mining: all valid triplets, the hardest per anchor, or semi-hard negatives (FaceNet)',
  },
  squared: { type: 'boolean', default: false, doc: 'squared Euclidean distances instead of Euclidean' },
  image_size: { type: 'integer', default: 28, min: 4, doc: 'side of the square input images; must match the data' },
  num_labels: { type: 'integer', default: 10, min: 2, doc: 'number of classes; every label must be below it' },
  train_size: {
    type: 'integer',
    default: 50000,
    min: 1,
    doc: 'at most this many training images are used (all when there are fewer)',
  },
  eval_size: {
    type: 'integer',
    default: 10000,
    min: 2,
    doc: 'at most this many test images are evaluated (all when there are fewer)',
  },
  num_parallel_calls: {
    type: 'integer',
    default: 4,
    min: 1,
    doc: 'accepted for compatibility with the original; unused (the kernels use every core)',
  },
  save_summary_steps: { type: 'integer', default: 50, min: 1, doc: 'steps between training summaries' },
  seed: {
    type: 'integer',
    default: 230,
    min: 0,
    // the generator takes 32 bits, and the data's generator is seeded with seed + 1: a larger seed would alias
    max: 2 ** 32 - 1,
    ours: true,
    doc: 'seed of every random choice: weights, shuffling, k-means (the original used 230); below 2³² − 1',
  },
  sampler: {
    type: 'choice',
    default: 'shuffle',
    choices: ['shuffle', 'balanced'],
    ours: true,
    doc: "'shuffle': the whole set shuffled each epoch, as the original; 'balanced': P classes × K images per batch",
  },
  images_per_class: {
    type: 'integer',
    default: 4,
    min: 2,
    ours: true,
    doc: 'K for the balanced sampler; batch_size must be a multiple of it',
  },
  soft_margin: {
    type: 'boolean',
    default: false,
    ours: true,
    doc: 'softplus(d(a,p) − d(a,n)) instead of relu(… + margin) (Hermans et al.)',
  },
  drop_last: {
    type: 'boolean',
    default: false,
    ours: true,
    doc: 'drop the last, smaller batch of an epoch (the original keeps it)',
  },
  save_checkpoint_steps: {
    type: 'integer',
    default: 100,
    min: 1,
    ours: true,
    doc: 'steps between checkpoints (one is also written at the end of every epoch)',
  },
  eval_every_epochs: {
    type: 'integer',
    default: 1,
    min: 1,
    ours: true,
    doc: 'evaluate on the test set every this many epochs (and at the end)',
  },
};

export const PARAM_KEYS = Object.keys(PARAMS_SCHEMA) as Array<keyof Params>;

export function defaultParams(): Params {
  return Object.fromEntries(PARAM_KEYS.map((key) => [key, PARAMS_SCHEMA[key].default])) as unknown as Params;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}" (a string)`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `${String(value)} (a ${typeof value})`;
}

/** One key's value checked as params.json checks it (`where` names the file, or the flag that set it). */
export function checkField(key: keyof Params, value: unknown, where: string): void {
  const f = PARAMS_SCHEMA[key];
  const fail = (what: string): never => {
    throw new ConfigError(`${where}: ${key} ${what}`);
  };
  if (f.type === 'boolean' && typeof value !== 'boolean') fail(`must be true or false, got ${describe(value)}`);
  if (f.type === 'choice' && !f.choices!.includes(value as string))
    fail(`must be one of ${f.choices!.map((c) => `"${c}"`).join(', ')}, got ${describe(value)}`);
  if (f.type === 'number' || f.type === 'integer') {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`must be a number, got ${describe(value)}`);
    const n = value as number;
    if (f.type === 'integer' && !Number.isInteger(n)) fail(`must be an integer, got ${n}`);
    if (f.min !== undefined && (f.minExclusive ? n <= f.min : n < f.min))
      fail(`must be ${f.minExclusive ? '>' : '≥'} ${f.min}, got ${n}`);
    if (f.max !== undefined && n >= f.max) fail(`must be < ${f.max}, got ${n}`);
  }
}

/** Rules that tie keys together. */
function checkCombination(p: Params, where: string): void {
  if (p.sampler === 'balanced') {
    if (p.batch_size % p.images_per_class !== 0) {
      throw new ConfigError(
        `${where}: batch_size (${p.batch_size}) must be a multiple of images_per_class (${p.images_per_class}) for the balanced sampler`,
      );
    }
    const classes = p.batch_size / p.images_per_class;
    if (classes < 2 || classes > p.num_labels) {
      throw new ConfigError(
        `${where}: the balanced sampler takes batch_size / images_per_class = ${classes} classes per batch; it must be between 2 and num_labels (${p.num_labels})`,
      );
    }
  }
}

export interface ParsedParams {
  params: Params;
  /** Keys the file did not set, filled with their defaults. */
  defaulted: Array<keyof Params>;
}

/** Validates the text of a params.json: one clear line naming the key for any problem. */
export function parseParams(text: string, where = 'params.json'): ParsedParams {
  let raw: unknown;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text; // a byte-order mark, as some editors write
  try {
    raw = JSON.parse(body);
  } catch (error) {
    const problem = locateJsonError(body);
    const detail = problem
      ? `line ${problem.line}, column ${problem.column}: ${problem.message}`
      : (error as Error).message;
    throw new ConfigError(`${where}: invalid JSON at ${detail}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`${where}: must hold a JSON object of parameters`);
  const given = raw as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(PARAMS_SCHEMA, key)) {
      const guess = closest(key, PARAM_KEYS);
      throw new ConfigError(`${where}: unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
    }
    checkField(key as keyof Params, given[key], where);
  }
  const params = { ...defaultParams(), ...given } as Params;
  checkCombination(params, where);
  return { params, defaulted: PARAM_KEYS.filter((key) => !Object.hasOwn(given, key)) };
}

/** The keys that define the network: a checkpoint only fits a model built with the same ones. */
export const ARCHITECTURE_KEYS: ReadonlyArray<keyof Params> = [
  'image_size',
  'num_channels',
  'use_batch_norm',
  'embedding_size',
];
