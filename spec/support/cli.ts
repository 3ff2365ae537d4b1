import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the process, if one did. */
  signal?: NodeJS.Signals;
}

/** Runs the real CLI entry (dist/cli/main.js) in a child process, as a user's shell would. */
export const CLI_ENTRY = path.resolve(__dirname, '../../cli/main.js');

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; command?: string; prefix?: string[] } = {},
): CliResult {
  const result = spawnSync(options.command ?? process.execPath, [...(options.prefix ?? []), CLI_ENTRY, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Starts the CLI and calls `when` each time it prints; `when` may signal the process. Resolves on exit.
 */
export function runCliAsync(
  args: readonly string[],
  when: (stdout: string, signal: (s: NodeJS.Signals) => void) => void,
  options: { cwd?: string; onStart?: (signal: (s: NodeJS.Signals) => void) => void } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: options.cwd, env: process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    when(stdout, (s) => child.kill(s));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  options.onStart?.((s) => child.kill(s));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? -1, stdout, stderr, signal: signal ?? undefined })),
  );
}
