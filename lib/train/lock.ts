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

/**
 * Takes `dir/.lock` (created exclusively, holding our pid and host) so that two trainings never write the same
 * model_dir. A lock left by a process that no longer runs on this host is stale and taken over, and so are the
 * temporary files of its interrupted writes. Returns the function that releases the lock.
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
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        fs.rmSync(file, { force: true });
        process.removeListener('exit', release);
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError('write', file, error);
      const holder = readHolder(file);
      if (holder && holder.host === os.hostname() && alive(holder.pid)) {
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
