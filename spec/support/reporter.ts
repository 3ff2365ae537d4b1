import Mocha from 'mocha';

/**
 * Mocha's spec reporter, plus the closing line CI reads: `N passed, N failed`, from the run's own counts
 * (a failing hook counts as a failure).
 */
class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures } = runner.stats ?? { passes: 0, failures: 0 };
      process.stdout.write(`${passes} passed, ${failures} failed\n`);
    });
  }
}

export = SpecWithTotals;
