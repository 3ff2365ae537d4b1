import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProbeKind } from './machine-probe';

/** How much more N threads get done than one on this machine, in this run, by work that shares nothing. */
export interface MachineScaling {
  threads: number;
  /** The register tile on operands in L1: arithmetic alone. */
  compute: number;
  /** Copies of 32 MiB arrays: the memory's bandwidth. */
  memory: number;
}

const ROUNDS = 3;

/** Each of `threads` threads' rate (GFLOPS or GB/s) when they all run the probe at once. */
async function probe(kind: ProbeKind, threads: number): Promise<number[]> {
  const barrier = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: threads },
    () => new Worker(path.join(__dirname, 'machine-probe.js'), { workerData: { kind, barrier, threads } }),
  );
  try {
    return await Promise.all(
      workers.map((w) => new Promise<number>((resolve, reject) => w.once('message', resolve).once('error', reject))),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The machine's own ceiling for using `threads` threads: the summed rate of `threads` threads running at once
 * ÷ one thread's alone, for arithmetic and for memory traffic — the median of ROUNDS alternations, so that
 * a shared machine's drift touches both sides. Our training's (and the peers') 1 → N scaling is read against it.
 */
export async function machineScaling(threads: number): Promise<MachineScaling> {
  const ratio = async (kind: ProbeKind): Promise<number> => {
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [one] = await probe(kind, 1);
      const all = (await probe(kind, threads)).reduce((a, b) => a + b, 0);
      ratios.push(all / one);
    }
    return median(ratios);
  };
  return { threads, compute: await ratio('compute'), memory: await ratio('memory') };
}
