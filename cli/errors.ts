import { ConfigError, DataError, LockError, TripletError } from '../lib';
import { UnreadableFileError } from '../lib/util/files';

/** The command line was wrong (unknown name, bad value): exit code 2, like every usage error. */
export class UsageError extends TripletError {}

export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/**
 * 2 for what the user can fix in what they asked for (the command line, params.json, the data, a model_dir in
 * use), 1 for everything that went wrong while running.
 */
export function exitCodeFor(error: unknown): number {
  const usage = [UsageError, ConfigError, DataError, LockError, UnreadableFileError].some(
    (kind) => error instanceof kind,
  );
  return usage ? EXIT_USAGE : EXIT_RUNTIME;
}

/** One line for the user; the stack only with --verbose, or for a bug (an error we did not throw on purpose). */
export function describeError(error: unknown, verbose: boolean): string {
  const err = error instanceof Error ? error : new Error(String(error));
  if (verbose) return err.stack ?? err.message;
  if (err instanceof TripletError) return `triplet: ${err.message}`;
  return `triplet: internal error: ${err.message} (run with --verbose for the stack trace, and please report it)`;
}
