import { parentPort, workerData } from 'node:worker_threads';
import { registerTileTimer } from '../lib/tensor/backends/js/micro';

/**
 * One thread of the machine probe (machine.ts): builds what it times, waits until every thread of its round is
 * ready, then for PROBE_SECONDS either runs our register tile on operands in L1 (pure arithmetic: GFLOPS) or
 * copies an array far larger than a core's caches (memory: GB/s read + written), and posts its rate.
 */
export type ProbeKind = 'compute' | 'memory';
const PROBE_SECONDS = 0.6;
const COPY_BYTES = 32 << 20;

const { kind, barrier, threads } = workerData as { kind: ProbeKind; barrier: SharedArrayBuffer; threads: number };

/** `unit()` over and over for PROBE_SECONDS; it returns the work it did (FLOPs, or bytes moved): billions a second. */
function rate(unit: () => number): number {
  let [work, seconds] = [0, 0];
  while (seconds < PROBE_SECONDS) {
    const start = process.hrtime.bigint();
    work += unit();
    seconds += Number(process.hrtime.bigint() - start) / 1e9;
  }
  return work / seconds / 1e9;
}

/** The timed part, with what it needs built first (the kernels compiled, the arrays filled). */
function prepare(): () => number {
  if (kind === 'compute') {
    const timer = registerTileTimer();
    if (!timer) return () => NaN;
    const reps = 200;
    return () =>
      rate(() => {
        timer.seconds(reps);
        return timer.flopsPerRun * reps;
      });
  }
  const [from, to] = [new Float32Array(COPY_BYTES / 4).fill(1), new Float32Array(COPY_BYTES / 4)];
  return () =>
    rate(() => {
      to.set(from);
      return 2 * COPY_BYTES;
    });
}

const timed = prepare();
const ready = new Int32Array(barrier);
Atomics.add(ready, 0, 1);
while (Atomics.load(ready, 0) < threads); // every thread of the round starts at once
parentPort!.postMessage(timed());
