/**
 * Ctrl-C (SIGINT) and SIGTERM during training: the first asks the trainer to stop after the step in progress (it
 * saves, and the same command resumes); a second quits at once (checkpoints are written atomically, so nothing
 * is lost but the steps since the last one). While paused — during an evaluation, which runs without a break in
 * which a handler could run — a signal ends the process at once: the checkpoint is already saved, owing the
 * evaluation, and the next `train` does it.
 */
export function catchStopSignals(say: (line: string) => void): {
  requested(): boolean;
  pause(): void;
  resume(): void;
  release(): void;
} {
  let requested: string | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (requested) process.exit(130);
    requested = signal;
    say(`${signal}: finishing this step and saving… (press Ctrl-C again to quit at once)`);
  };
  const listen = (): void => {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  };
  const release = (): void => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  listen();
  return { requested: () => requested !== null, pause: release, resume: listen, release };
}
