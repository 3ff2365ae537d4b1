import { StepReport } from '../lib';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`
    : `${m}:${String(r).padStart(2, '0')}`;
}

function statsText(r: StepReport): string {
  const parts = [`loss ${r.stats.loss.toFixed(4)}`];
  if (r.stats.fractionPositive !== undefined) parts.push(`positive ${r.stats.fractionPositive.toFixed(3)}`);
  if (r.stats.hardestPositiveDist !== undefined)
    parts.push(`d+ ${r.stats.hardestPositiveDist.toFixed(3)}  d− ${r.stats.hardestNegativeDist!.toFixed(3)}`);
  return parts.join('  ');
}

/**
 * Training progress. On a terminal: one line redrawn in place — epoch, a bar, the batch, the loss and its
 * statistics, images/s and the time left. Elsewhere (a log file, CI): a plain line every save_summary_steps.
 */
export class ProgressView {
  private lastDraw = 0;
  private barOpen = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly numEpochs: number,
    private readonly batchSize: number,
    private readonly tty = out.isTTY === true,
  ) {}

  private eta(r: StepReport): string {
    return formatDuration(((r.totalSteps - r.step) * this.batchSize) / r.imagesPerSecond);
  }

  /** After every step: redraws the bar on a terminal (at most 10 times a second, and at the end of an epoch). */
  step(r: StepReport): void {
    const endOfEpoch = r.stepInEpoch === r.stepsInEpoch;
    const now = Date.now();
    if (!this.tty || (!endOfEpoch && now - this.lastDraw < 100)) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((width * r.stepInEpoch) / r.stepsInEpoch);
    const epoch = `${String(r.epoch + 1).padStart(String(this.numEpochs).length)}/${this.numEpochs}`;
    const line = `epoch ${epoch} ▕${'█'.repeat(filled)}${'░'.repeat(width - filled)}▏ ${r.stepInEpoch}/${r.stepsInEpoch}  ${statsText(r)}  ${Math.round(r.imagesPerSecond)} img/s  ETA ${this.eta(r)}`;
    this.out.write(`\r${line.slice(0, (this.out.columns ?? 160) - 1)}\x1b[K`);
    this.barOpen = true;
    if (endOfEpoch) this.closeBar();
  }

  /** Every save_summary_steps steps: a plain line when not on a terminal. */
  summary(r: StepReport): void {
    if (!this.tty)
      this.out.write(
        `step ${r.step}/${r.totalSteps} (epoch ${r.epoch + 1}/${this.numEpochs})  ${statsText(r)}  ${Math.round(r.imagesPerSecond)} img/s  ETA ${this.eta(r)}\n`,
      );
  }

  /** A message on a line of its own, never glued to the bar. */
  line(text: string): void {
    this.closeBar();
    this.out.write(`${text}\n`);
  }

  private closeBar(): void {
    if (this.barOpen) this.out.write('\n');
    this.barOpen = false;
  }
}
