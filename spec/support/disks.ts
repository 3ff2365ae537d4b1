import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Real disk trouble for the specs. As root (CI): a small tmpfs gives a real "no space left on device", and
 * remounting it read-only a real "read-only file system". As another user: chmod makes a folder read-only, and a
 * file-size limit (ulimit -f) makes a large write fail ("file too large") — no mount needed.
 */
export const isRoot = process.getuid?.() === 0;

export function smallDisk(dir: string, kilobytes: number): void {
  fs.mkdirSync(dir, { recursive: true });
  if (isRoot) execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kilobytes}k`, 'tmpfs', dir]);
}

/** Fills a small disk with a filler file until only `kilobytes` are left (as root; elsewhere a size limit is used). */
export function fillDisk(dir: string, kilobytes: number): void {
  if (!isRoot) return;
  const { bavail, bsize } = fs.statfsSync(dir);
  const filler = Math.max(0, bavail * bsize - kilobytes * 1024);
  fs.writeFileSync(`${dir}/filler`, Buffer.alloc(filler));
}

export function makeReadOnly(dir: string): void {
  if (isRoot) execFileSync('mount', ['-o', 'remount,ro', dir]);
  else fs.chmodSync(dir, 0o555);
}

export function releaseDisk(dir: string): void {
  if (isRoot) {
    try {
      execFileSync('umount', [dir]);
    } catch {
      // not mounted
    }
  } else if (fs.existsSync(dir)) {
    fs.chmodSync(dir, 0o755);
  }
}

/** Arguments that run the CLI with a file-size limit where no small disk can be mounted. */
export function withSizeLimit(args: string[], kilobytes: number): { command: string; args: string[] } {
  if (isRoot) return { command: process.execPath, args };
  return {
    command: 'bash',
    args: ['-c', `ulimit -f ${kilobytes * 2}; exec "${process.execPath}" "$@"`, 'bash', ...args],
  };
}
