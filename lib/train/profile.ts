import {
  aroundKernels,
  Backend,
  DeviceTraffic,
  getBackend,
  KERNELS,
  KernelName,
  trafficBetween,
  useBackend,
} from '../tensor/backend';
import { ConvGeometry } from '../tensor/kernels/conv';
import { NDArray } from '../tensor/ndarray';

export type Phase = 'data' | 'forward' | 'loss' | 'backward' | 'optimizer';
const PHASES: readonly Phase[] = ['data', 'forward', 'loss', 'backward', 'optimizer'];
/** What a kernel call worked on, for its row: "14×14×32→64" (a convolution), "64×3136×64" (m×k×n). */
function shapeOf(kernel: KernelName, args: unknown[]): string {
  const image = (g: ConvGeometry): string => `${g.inH}×${g.inW}×${g.inC}`;
  switch (kernel) {
    case 'matmul': {
      const [a, b, transA, transB] = args as [NDArray, NDArray, boolean, boolean];
      const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
      return `${m}×${k}×${transB ? b.shape[0] : b.shape[1]}`;
    }
    case 'conv2d':
    case 'conv2dPool':
      return `${image(args[2] as ConvGeometry)}→${(args[2] as ConvGeometry).outC}`;
    case 'conv2dBackward': {
      const { g } = args[0] as { g: ConvGeometry };
      return `${image(g)}→${g.outC}`;
    }
    case 'maxPool2d':
      return image(args[1] as ConvGeometry);
    case 'maxPool2dGrad':
      return image(args[2] as ConvGeometry);
    default:
      return '';
  }
}

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

  private readonly tasksBefore: number[] | undefined;
  /** The device traffic of the steps so far (where the backend has a device), and where the current one began. */
  private traffic: DeviceTraffic | null = null;
  private trafficAtStart: DeviceTraffic | null = null;

  constructor() {
    this.wrapped = getBackend();
    this.tasksBefore = this.wrapped.tasksByThread?.();
    useBackend(
      aroundKernels(this.wrapped, (name, args, call) => {
        const start = now();
        try {
          return call();
        } finally {
          if (this.phase) {
            const key = `${this.phase}/${name}/${shapeOf(name, args)}`;
            this.kernelMs.set(key, (this.kernelMs.get(key) ?? 0) + now() - start);
          }
        }
      }),
    );
  }

  beginStep(): void {
    [this.phase, this.phaseStart] = ['data', now()];
    this.trafficAtStart = this.wrapped.traffic?.() ?? null;
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
    const [before, after] = [this.trafficAtStart, this.wrapped.traffic?.()];
    if (!before || !after) return;
    this.traffic = trafficBetween(before, after, this.traffic ?? undefined);
  }

  /**
   * Per step, on a backend with a device: what moved and ran (one line, in the form checks read), and how the
   * step's time splits between waiting for the device and the host's own work (posting kernels included).
   */
  deviceLines(): string[] | null {
    if (!this.traffic || this.steps === 0) return null;
    const per = (n: number): number => n / this.steps;
    const mb = (bytes: number): string => {
      const megabytes = per(bytes) / 1e6; // three significant digits: 0.0656, 0.201, 29.6
      return megabytes >= 100 ? megabytes.toFixed(0) : megabytes === 0 ? '0' : megabytes.toPrecision(3);
    };
    const t = this.traffic;
    const stepMs = per(PHASES.reduce((sum, p) => sum + (this.phaseMs.get(p) ?? 0), 0));
    const round = (n: number): string => (Number.isInteger(per(n)) ? String(per(n)) : per(n).toFixed(1));
    return [
      `device transfers per step: ${round(t.uploads)} uploads (${mb(t.uploadBytes)} MB), ${round(t.readbacks)} readbacks (${mb(t.readbackBytes)} MB), ${round(t.launches)} kernel launches`,
      `time per step: ${stepMs.toFixed(1)} ms — waiting for the device ${per(t.waitMs).toFixed(1)} ms, the host's own work (posting kernels included) ${(stepMs - per(t.waitMs)).toFixed(1)} ms; kernels compiled: ${t.compiles} in ${this.steps} steps`,
      "(the device runs kernels while the host goes on: a kernel's row above is the time to post it, and the device's work shows in the phase that first waited for a result)",
    ];
  }

  /** Puts the backend back as it was. */
  stop(): void {
    useBackend(this.wrapped);
  }

  /**
   * Rows: a phase, then its kernels indented, one row per kernel and shape (in the order they first ran);
   * milliseconds per step and share of the step.
   */
  table(): Array<{ name: string; msPerStep: number; share: number }> {
    const total = PHASES.reduce((sum, p) => sum + (this.phaseMs.get(p) ?? 0), 0) || 1;
    const per = (ms: number): number => ms / Math.max(1, this.steps);
    return PHASES.flatMap((phase) => [
      { name: phase, msPerStep: per(this.phaseMs.get(phase) ?? 0), share: (this.phaseMs.get(phase) ?? 0) / total },
      ...[...this.kernelMs]
        .filter(([key]) => key.startsWith(`${phase}/`))
        .map(([key, ms]) => {
          const [, kernel, shape] = key.split('/') as [Phase, KernelName, string];
          return { name: `  ${KERNELS[kernel]}${shape ? ` ${shape}` : ''}`, msPerStep: per(ms), share: ms / total };
        }),
    ]);
  }

  /** The share of the tasks each thread ran while profiling, where the backend has threads: "main 52%, worker 1 48%". */
  threadShares(): string | null {
    const [before, after] = [this.tasksBefore, this.wrapped.tasksByThread?.()];
    if (!before || !after || after.length < 2) return null;
    const runs = after.map((t, i) => t - before[i]);
    const all = runs.reduce((a, b) => a + b, 0) || 1;
    return runs.map((t, i) => `${i === 0 ? 'main' : `worker ${i}`} ${((100 * t) / all).toFixed(0)}%`).join(', ');
  }

  get stepCount(): number {
    return this.steps;
  }
}
