import * as readline from 'node:readline';

/** Steps run before the coordinator times anything (JIT, kernel compilation, workers, caches). */
export const WARMUP_STEPS = 6;

/** What a peer does: train on batch i (returning the loss), the first loss and gradient norm, inference. */
export interface PeerModel {
  peer: string;
  /** One training step on the fixture's batch i; the loss. */
  step(i: number): number;
  /** The loss and the norm of the gradient (all parameters) on batch i at the current weights, without updating. */
  firstGradient(i: number): [number, number];
  /** Embeddings of the 1,792 test images, 256 a batch. */
  infer(): void;
  batches: number;
}

function say(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

/**
 * The node side of the bench's peer protocol (the Python peers' twin is peer_protocol.py): the checks and the
 * warm-up, a {"ready": true, …} line, then one JSON line per command read on stdin — `train K` (K more steps,
 * the batches in a cycle), `infer`, `quit` (peak memory, then exit).
 */
export function servePeer(model: PeerModel): void {
  const [firstLoss, gradNorm] = model.firstGradient(0);
  const losses = Array.from({ length: WARMUP_STEPS }, (_, i) => model.step(i % model.batches));
  say({ ready: true, peer: model.peer, firstLoss, gradNorm, loss6: losses[5] });
  let done = WARMUP_STEPS;
  const seconds = (fn: () => void): number => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, count] = line.trim().split(/\s+/);
    if (command === 'train') {
      const steps = Number(count);
      say({
        seconds: seconds(() => {
          for (let i = 0; i < steps; i++) model.step((done + i) % model.batches);
        }),
      });
      done += steps;
    } else if (command === 'infer') {
      say({ seconds: seconds(() => model.infer()) });
    } else if (command === 'quit') {
      say({ maxRssMiB: process.resourceUsage().maxRSS / 1024 });
      lines.close();
      process.exit(0);
    }
  });
}
