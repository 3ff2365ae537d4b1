import { Command } from 'commander';
import { gradcheckRegistered, listOps } from '../../lib';
import { closest } from '../../lib/util/closest';
import { applyBackend, BackendFlags, describeBackend, withBackendOptions } from '../backend';
import { UsageError } from '../errors';
import { parseInteger, parseNumber, parsePositive } from '../options';
import { formatTable } from '../table';

export function gradcheckCommand(): Command {
  const command = new Command('gradcheck')
    .summary('check every gradient against finite differences (float64)')
    .description(
      'Check every registered gradient against central finite differences in float64 and print the errors.\n' +
        'Each differentiable op (and layer, and loss) is checked on random inputs away from its kinks;\n' +
        'an element passes when |analytic − numeric| ≤ 1e-5 + 1e-3·|numeric|. Exits 1 if any check fails.',
    )
    .option('--op <name>', 'check only this op, layer or loss (e.g. conv2d, BatchNorm, batchAllTripletLoss)')
    .option('--seed <n>', 'seed for the random inputs', parseInteger('--seed'), 0)
    .option(
      '--eps <x>',
      'the finite-difference step (default 1e-6; a float32 backend such as gpu needs ~1e-3, or rounding swamps it)',
      parsePositive('--eps'),
    )
    .option('--atol <x>', 'absolute tolerance (default 1e-5)', parseNumber('--atol'))
    .option('--rtol <x>', 'relative tolerance (default 1e-3)', parseNumber('--rtol'));
  return withBackendOptions(command, 'reference, the ground truth').action(
    (options: { op?: string; seed: number; eps?: number; atol?: number; rtol?: number } & BackendFlags) => {
      const names = listOps()
        .filter((op) => op.differentiable)
        .map((op) => op.name);
      if (options.op !== undefined && !names.includes(options.op)) {
        const guess = closest(options.op, names);
        throw new UsageError(
          `gradcheck: no differentiable op named '${options.op}'${guess ? ` (did you mean '${guess}'?)` : ''}`,
        );
      }
      const backend = applyBackend(options, 'reference');
      const rows = gradcheckRegistered({
        name: options.op,
        seed: options.seed,
        eps: options.eps,
        atol: options.atol,
        rtol: options.rtol,
        backend: backend.name,
      });
      const table = rows.map((r) => [
        r.kind,
        r.name,
        r.label,
        r.report.maxAbsError.toExponential(1),
        r.report.maxRelError.toExponential(1),
        r.report.passed ? 'pass' : 'FAIL',
      ]);
      console.log(formatTable(['kind', 'name', 'inputs', 'max abs err', 'max rel err', 'result'], table));
      const failed = rows.filter((r) => !r.report.passed);
      for (const r of failed) console.log(`\n${r.report.message}`);
      console.log(
        `\n${rows.length - failed.length} of ${rows.length} gradient checks passed (seed ${options.seed}, backend ${describeBackend(backend)}).`,
      );
      if (failed.length > 0) process.exitCode = 1;
    },
  );
}
