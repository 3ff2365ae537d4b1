/**
 * Ctrl-C (SIGINT) and SIGTERM during training: the first asks the trainer to stop after the step in progress (it
 * saves, and the same command resumes); a second quits at once (checkpoints are written atomically, so nothing
 * is lost but the steps since the last one).
 */
export function catchStopSignals(say: (line: string) => void): { requested(): boolean; release(): void } {
  let requested: string | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (requested) process.exit(130);
    requested = signal;
    say(`${signal}: finishing this step and saving… (press Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested: () => requested !== null,
    release() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}
