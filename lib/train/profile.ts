import { Backend, getBackend, KERNEL_NAMES, useBackend } from '../tensor/backend';

export type Phase = 'data' | 'forward' | 'loss' | 'backward' | 'optimizer';
const PHASES: readonly Phase[] = ['data', 'forward', 'loss', 'backward', 'optimizer'];
const KERNELS = KERNEL_NAMES;
/** How the profile names each kernel: a record over the backend's list, so a kernel left out is a type error. */
const LABELS: Record<(typeof KERNELS)[number], string> = {
  matmul: 'matmul (dense, distances)',
  conv2d: 'conv2d forward (+ bias, relu)',
  conv2dBackward: 'conv2d backward (input, filter, bias)',
  maxPool2d: 'max-pool',
  maxPool2dGrad: 'max-pool gradient',
  adamUpdate: 'Adam update',
  allFinite: 'finite check',
};

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Where a training step's time goes: the phases the trainer marks (data, forward, loss, backward, optimiser),
 * and within each, the time of every kernel of the backend, measured by wrapping the backend in use.
 */
export class StepProfiler {
  private readonly phaseMs = new Map<Phase, number>();
  private readonly kernelMs = new Map<string, number>();
  /** null between steps: evaluation and checkpoints are not part of a step's time. */
  private phase: Phase | null = null;
  private phaseStart = now();
  private steps = 0;
  private readonly wrapped: Backend;

  constructor() {
    this.wrapped = getBackend();
    const timed = Object.fromEntries(
      KERNELS.map((name) => [
        name,
        (...args: unknown[]) => {
          const start = now();
          try {
            return (this.wrapped[name] as (...a: unknown[]) => unknown).apply(this.wrapped, args);
          } finally {
            if (this.phase) {
              const key = `${this.phase}/${name}`;
              this.kernelMs.set(key, (this.kernelMs.get(key) ?? 0) + now() - start);
            }
          }
        },
      ]),
    );
    useBackend({ ...this.wrapped, name: this.wrapped.name, ...timed } as Backend);
  }

  beginStep(): void {
    [this.phase, this.phaseStart] = ['data', now()];
  }

  /** Starts the next phase (the time since the last mark goes to the previous one). */
  mark(phase: Phase | null): void {
    const t = now();
    if (this.phase) this.phaseMs.set(this.phase, (this.phaseMs.get(this.phase) ?? 0) + t - this.phaseStart);
    [this.phase, this.phaseStart] = [phase, t];
  }

  endStep(): void {
    this.mark(null);
    this.steps++;
  }

  /** Puts the backend back as it was. */
  stop(): void {
    useBackend(this.wrapped);
  }

  /** Rows: a phase, then its kernels indented; milliseconds per step and share of the step. */
  table(): Array<{ name: string; msPerStep: number; share: number }> {
    const total = PHASES.reduce((sum, p) => sum + (this.phaseMs.get(p) ?? 0), 0) || 1;
    const per = (ms: number): number => ms / Math.max(1, this.steps);
    return PHASES.flatMap((phase) => [
      { name: phase, msPerStep: per(this.phaseMs.get(phase) ?? 0), share: (this.phaseMs.get(phase) ?? 0) / total },
      ...KERNELS.filter((k) => this.kernelMs.has(`${phase}/${k}`)).map((k) => ({
        name: `  ${LABELS[k]}`,
        msPerStep: per(this.kernelMs.get(`${phase}/${k}`)!),
        share: this.kernelMs.get(`${phase}/${k}`)! / total,
      })),
    ]);
  }

  get stepCount(): number {
    return this.steps;
  }
}
