import * as path from 'node:path';
import {
  baselineMetrics,
  CheckpointDir,
  DataSplits,
  lockModelDir,
  Params,
  StepProfiler,
  TrainEvents,
  trainModel,
  TrainingSummaries,
  TrainOutcome,
} from '../lib';
import { Experiment } from './experiment';
import { ProgressView } from './progress';
import { pathExists } from '../lib/util/files';
import { metricsFile, reportEvaluation, reportProfile, reportTrainingStart } from './report';
import { catchStopSignals } from './stop-signals';

/**
 * One experiment's training, as `train` runs it: the model_dir locked, progress, summaries, Ctrl-C, and at the end
 * the evaluation table (with baselines if asked) and metrics_eval.json. Returns the outcome.
 */
export async function runTraining(options: {
  experiment: Experiment;
  params: Params;
  data: DataSplits;
  backend: string;
  baselines: boolean;
  profile?: boolean;
  initFrom?: string;
}): Promise<TrainOutcome> {
  const { experiment, params, data, backend } = options;
  const { modelDir } = experiment;
  const release = lockModelDir(modelDir);
  const view = new ProgressView(process.stdout, params.num_epochs, params.batch_size);
  const profiler = options.profile ? new StepProfiler() : undefined;
  const stop = catchStopSignals((line) => view.line(line));
  try {
    const outcome = await trainModel({
      modelDir,
      params,
      initFrom: options.initFrom,
      data,
      profiler,
      events: trainingEvents(options, view, stop),
    });
    stop.release(); // the baselines and the report run without a break: a signal now ends the process at once
    reportOutcome(outcome, options, view);
    if (profiler) reportProfile(profiler, backend);
    return outcome;
  } finally {
    profiler?.stop();
    stop.release();
    release();
  }
}

/** What the command does as training goes: the start banner, progress, summaries, evaluations, the stop request. */
function trainingEvents(
  options: { experiment: Experiment; params: Params; data: DataSplits; backend: string },
  view: ProgressView,
  stop: { requested(): boolean; pause(): void; resume(): void },
): TrainEvents {
  const { experiment, params, data, backend } = options;
  let summaries: TrainingSummaries | null = null;
  return {
    onStart: (info) => {
      summaries = new TrainingSummaries(experiment.modelDir, params, info.step);
      reportTrainingStart(experiment, params, data, backend, info);
    },
    onStep: (r) => view.step(r),
    onSummary: (r) => {
      summaries!.training(r);
      view.summary(r);
    },
    onEvaluationStart: () => {
      view.line(`  evaluating on ${data.test.count} test images… (Ctrl-C now quits at once; the next train redoes it)`);
      stop.pause();
    },
    onEvaluation: (epoch, step, m, best) => {
      stop.resume();
      summaries!.evaluation(step, m);
      view.line(
        `  eval after epoch ${epoch + 1}: precision@1 ${m.precisionAt1.toFixed(4)}  MAP@R ${m.mapAtR.toFixed(4)}  loss ${m.loss.toFixed(4)}${best ? '  (best so far: saved)' : ''}`,
      );
    },
    shouldStop: () => stop.requested(),
  };
}

function reportOutcome(
  outcome: TrainOutcome,
  options: { experiment: Experiment; params: Params; data: DataSplits; baselines: boolean },
  view: ProgressView,
): void {
  const { experiment, params, data } = options;
  const { modelDir } = experiment;
  if (outcome.status === 'interrupted') {
    view.line(`stopped at step ${outcome.step} (epoch ${outcome.epoch + 1}); saved. Run the same command to resume.`);
  } else if (outcome.status === 'already-trained' && outcome.metrics && !pathExists(metricsFile(modelDir))) {
    // trained to the end, but stopped before the final report: it is written now
    console.log(`${modelDir}: training had ended without its final report; writing it now`);
    reportOutcome({ ...outcome, status: 'finished' }, options, view);
  } else if (outcome.status === 'already-trained') {
    console.log(
      `${modelDir} has already been trained for ${params.num_epochs} epochs; raise num_epochs in ${path.join(modelDir, 'params.json')} to train further, or run triplet eval.`,
    );
  } else {
    const baselines = options.baselines ? baselineMetrics(params, data.test) : undefined;
    const info = {
      checkpoint: new CheckpointDir(modelDir).last,
      step: outcome.step,
      epoch: params.num_epochs,
      data: data.description,
    };
    reportEvaluation(
      `\nevaluation on ${data.test.count} test images (${data.test.source}), leave-one-out:`,
      modelDir,
      info,
      outcome.metrics!,
      baselines,
    );
  }
}
