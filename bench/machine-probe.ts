import { parentPort, workerData } from 'node:worker_threads';
import { registerTileTimer } from '../lib/tensor/backends/js/micro';

/**
 * One thread of the machine probe (machine.ts): waits until every thread of its round is ready, then for
 * PROBE_SECONDS either runs our register tile on operands in L1 (pure arithmetic: GFLOPS) or copies an array far
 * larger than a core's caches (memory: GB/s read + written), and posts its rate.
 */
export type ProbeKind = 'compute' | 'memory';
export const PROBE_SECONDS = 0.6;
const COPY_BYTES = 32 << 20;

const { kind, barrier, threads } = workerData as { kind: ProbeKind; barrier: SharedArrayBuffer; threads: number };

function untilDone(run: () => number): number {
  let [work, seconds] = [0, 0];
  while (seconds < PROBE_SECONDS) {
    const start = process.hrtime.bigint();
    work += run();
    seconds += Number(process.hrtime.bigint() - start) / 1e9;
  }
  return work / seconds / 1e9;
}

/** Builds what the probe times (kernels compiled, arrays filled) and returns the timed part. */
function prepare(): () => number {
  if (kind === 'compute') {
    const timer = registerTileTimer();
    return () => (timer ? untilDone(() => (timer.seconds(200), timer.flopsPerRun * 200)) : NaN);
  }
  const [from, to] = [new Float32Array(COPY_BYTES / 4).fill(1), new Float32Array(COPY_BYTES / 4)];
  return () => untilDone(() => (to.set(from), 2 * COPY_BYTES));
}

const timed = prepare();
const ready = new Int32Array(barrier);
Atomics.add(ready, 0, 1);
while (Atomics.load(ready, 0) < threads); // every thread of the round starts at once
parentPort!.postMessage(timed());
