import * as fs from 'node:fs';
import * as path from 'node:path';
import { TripletError } from '../tensor/errors';

/** A file could not be read or written: names the file and the reason in words. */
export class FileError extends TripletError {}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  EFBIG: 'file too large for the file system or the process limit',
  ENOTDIR: 'a parent is not a directory',
};

/** The path a chain of symbolic links ends at (the path itself when it is no link, or does not exist yet). */
function followLinks(file: string): string {
  let at = file;
  for (let hops = 0; hops < 40; hops++) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(at);
    } catch {
      return at;
    }
    if (!stat.isSymbolicLink()) return at;
    at = path.resolve(path.dirname(at), fs.readlinkSync(at));
  }
  throw new FileError(`cannot write ${file}: too many levels of symbolic links`);
}

/** Turns a Node error into "cannot write FILE: reason (CODE)". */
export function fileError(verb: string, file: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (error instanceof Error ? error.message : String(error));
  return new FileError(`cannot ${verb} ${file}: ${reason}${code ? ` (${code})` : ''}`);
}

/**
 * Writes a file so that a crash never leaves it half-written: the bytes go to a temporary file in the same
 * directory, are flushed to disk (fsync), and the temporary file is renamed over the target — an atomic step on
 * POSIX file systems. The directory is synced too, so the rename itself survives a power cut.
 */
export function writeFileAtomic(given: string, data: Uint8Array | string): void {
  const file = followLinks(given); // a symbolic link stays one: what it points to is written (atomically)
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    makeDirectory(dir);
    const fd = fs.openSync(temp, 'w');
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    removeQuietly(temp);
    throw fileError('write', file, error);
  }
  syncDirectory(dir);
}

/** mkdir -p; a file standing where a folder should be is reported as what it is (mkdir says EEXIST). */
function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    throw error;
  }
}

/**
 * write(2) may write less than asked — on a full disk it writes what fits and returns the count; only the next
 * call fails with ENOSPC. So keep writing until every byte is out: a short file must never be renamed into place.
 */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length;) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // nothing was created, or it cannot be removed: the error that matters is the one being reported
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename has happened either way.
  }
}

const TEMP_NAME = /^\.(.+)\.tmp-(\d+)$/;

/**
 * Removes the temporary files that writes of a killed process left behind (`.NAME.tmp-PID` with PID no longer
 * running). The files they were meant to replace are intact: the rename never happened.
 */
export function removeStaleTempFiles(dir: string, isRunning: (pid: number) => boolean): string[] {
  const removed: string[] = [];
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const match = TEMP_NAME.exec(name);
    if (match && Number(match[2]) !== process.pid && !isRunning(Number(match[2]))) {
      removeQuietly(path.join(dir, name));
      removed.push(name);
    }
  }
  return removed;
}

/** A file given to read that cannot be read as one — missing, not a regular file, not permitted: input to fix. */
export class UnreadableFileError extends FileError {}

/**
 * The bytes of a regular file. Anything else is refused before it is opened — a FIFO would block forever, a
 * device never end — and a failure says why in words (permission denied is not "missing").
 */
export function readFile(file: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new UnreadableFileError(fileError('read', file, error).message);
  }
  if (!stat.isFile()) throw new UnreadableFileError(`cannot read ${file}: not a regular file (${kindOf(stat)})`);
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new UnreadableFileError(fileError('read', file, error).message);
  }
}

/** Whether a path exists; an error other than "no such file" (permission denied, say) is reported, not taken as no. */
export function pathExists(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new UnreadableFileError(fileError('read', file, error).message);
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
