#!/usr/bin/env node
import * as os from 'node:os';
import { writeFileAtomic } from '../lib/util/files';
import { benchmarkKernels, kernelTable } from './kernels';

/**
 * `npm run bench`: speed, measured as ratios against peers timed in the same run (the machine is shared and
 * noisy; absolute figures drift, ratios hold). `--json FILE` also writes the results.
 */
function main(argv: string[]): void {
  const jsonAt = argv.indexOf('--json');
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}`;
  console.log(`triplet benchmark — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`);
  console.log('Kernels, GFLOPS (median of repeated runs; reference and gpu modes: one run):\n');
  const kernels = benchmarkKernels();
  console.log(kernelTable(kernels));
  if (jsonAt >= 0) {
    const file = argv[jsonAt + 1];
    if (!file) throw new Error('--json needs a file name');
    writeFileAtomic(file, JSON.stringify({ date: new Date().toISOString(), machine, kernels }, null, 2) + '\n');
    console.log(`\nwrote ${file}`);
  }
}

main(process.argv.slice(2));
