import { checkField } from '../lib';
import { UsageError } from './errors';

/** A commander parser for an integer option that names the option when the value is not one. */
export function parseInteger(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n)) throw new UsageError(`${flag} expects an integer, got '${value}'`);
    return n;
  };
}

/** A commander parser for a finite number option. */
export function parseNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} expects a number, got '${value}'`);
    return n;
  };
}

/** A commander parser for a number option that must be > 0 (a step, a tolerance). */
export function parsePositive(flag: string): (value: string) => number {
  return (value) => {
    const n = parseNumber(flag)(value);
    if (n <= 0) throw new UsageError(`${flag} must be > 0, got '${value}'`);
    return n;
  };
}

export function choiceOf<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got '${value}'`);
    return value as T;
  };
}

export const checkpointChoice = choiceOf('--checkpoint', ['last', 'best'] as const);
export const splitChoice = choiceOf('--split', ['test', 'train'] as const);
export const exportFormatChoice = choiceOf('--format', ['onnx', 'safetensors'] as const);

/** --seed, checked as params.json checks its seed (and before anything is read or written). */
export function parseSeed(value: string): number {
  const seed = parseInteger('--seed')(value);
  checkField('seed', seed, '--seed');
  return seed;
}
