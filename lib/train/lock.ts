import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TripletError } from '../tensor/errors';
import { fileError, removeStaleTempFiles } from '../util/files';

/** Another run holds the model_dir. */
export class LockError extends TripletError {}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The lock files this process holds (a lock naming our pid that is not among them is an earlier process's). */
const held = new Set<string>();

/**
 * Takes `dir/.lock` (created exclusively, holding our pid and host) so that two trainings never write the same
 * model_dir. A lock left by a process that no longer runs on this host is stale and taken over, and so are the
 * temporary files of its interrupted writes — also one naming our own pid that this process does not hold (a
 * container's PID 1, restarted). A lock from another host cannot be checked from here: it is refused, saying how
 * to clear it. Returns the function that releases the lock.
 */
export function lockModelDir(dir: string): () => void {
  const file = path.join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        file,
        JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }),
        { flag: 'wx' },
      );
      removeStaleTempFiles(dir, alive);
      held.add(file);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        held.delete(file);
        fs.rmSync(file, { force: true });
        process.removeListener('exit', release);
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError('write', file, error);
      if (!fs.lstatSync(file).isFile())
        throw new LockError(`${file} is not a lock file (not a regular file): remove it`);
      const holder = readHolder(file);
      if (holder && holder.host !== os.hostname()) {
        throw new LockError(
          `${dir} is locked by a training on host ${holder.host} (pid ${holder.pid}, since ${holder.since}); if none runs there, remove ${file}`,
        );
      }
      const ours = holder?.pid === process.pid;
      if (holder && (ours ? held.has(file) : alive(holder.pid))) {
        throw new LockError(
          `${dir} is in use by another training (pid ${holder.pid}, since ${holder.since}); wait for it to finish or stop it`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new LockError(`${dir}: could not take the lock ${file}`);
}

function readHolder(file: string): { pid: number; host: string; since: string } | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; host: string; since: string };
  } catch {
    return null;
  }
}
