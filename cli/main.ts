#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { embedCommand } from './commands/embed';
import { evalCommand } from './commands/eval';
import { exportCommand } from './commands/export';
import { gradcheckCommand } from './commands/gradcheck';
import { predictCommand } from './commands/predict';
import { searchCommand } from './commands/search';
import { trainCommand } from './commands/train';
import { visualizeCommand } from './commands/visualize';
import { describeError, EXIT_USAGE, exitCodeFor } from './errors';

// The version is read from package.json at run time so that it cannot drift.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('triplet')
    .description(
      'Triplet-loss embeddings with online mining, on an autodiff engine written from scratch in TypeScript.',
    )
    .version(version)
    .option('--verbose', 'print stack traces with errors')
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(oneLine(message, 'triplet --help')) });
  for (const command of [
    trainCommand(),
    evalCommand(),
    embedCommand(),
    visualizeCommand(),
    exportCommand(),
    predictCommand(),
    searchCommand(),
    gradcheckCommand(),
  ])
    program.addCommand(command);
  for (const command of program.commands) {
    const help = `triplet ${command.name()} --help`;
    command.exitOverride().configureOutput({ outputError: (message, write) => write(oneLine(message, help)) });
    // the sources wrap descriptions at their own width; commander wraps again at the terminal's: one line each
    command.description(command.description().replace(/(?<!\n)\n(?!\n)/g, ' '));
  }
  return program;
}

/**
 * Commander's own errors (an unknown command or option, a missing value) as one line, like every other error:
 * "triplet: unknown option '--epochs'; see triplet train --help".
 */
function oneLine(message: string, help: string): string {
  const text = message
    .trim()
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.+)\?\)/, " (did you mean '$1'?)")
    .replace(/\s*\n\s*/g, ' ');
  return `triplet: ${text}; see ${help}\n`;
}

// A file-size limit (ulimit -f) must give a clear "file too large" error when a checkpoint is saved, not kill
// the process with SIGXFSZ.
process.on('SIGXFSZ', () => undefined);

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message, as one line (oneLine), or the help text
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    console.error(describeError(error, argv.includes('--verbose')));
    process.exitCode = exitCodeFor(error);
  }
}

void main(process.argv);
