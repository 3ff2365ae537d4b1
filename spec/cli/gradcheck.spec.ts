import { expect } from 'chai';
import { runCli } from '../support/cli';

describe('cli: triplet gradcheck', () => {
  it('prints a table of every check of one op and exits 0 when all pass', () => {
    const { code, stdout } = runCli(['gradcheck', '--op', 'matmul', '--seed', '3']);
    expect(code).to.equal(0);
    const rows = stdout.split('\n').filter((line) => /^op\s+matmul\s/.test(line));
    expect(rows).to.have.length(4);
    for (const row of rows) expect(row).to.match(/\d\.\de-\d+\s+\d\.\de-\d+\s+pass$/);
    expect(stdout).to.contain('4 of 4 gradient checks passed (seed 3, backend reference).');
  });

  it('exits 1 and explains the failure when a check fails (tolerances set to zero)', () => {
    const { code, stdout } = runCli(['gradcheck', '--op', 'exp', '--atol', '0', '--rtol', '0']);
    expect(code).to.equal(1);
    expect(stdout).to.match(/FAIL/);
    expect(stdout).to.match(/gradcheck exp: input 0 \[3,4\] at \[\d+,\d+\]: analytic .* vs numeric /);
  });

  it('rejects an unknown op with one line, a suggestion and exit code 2', () => {
    const { code, stdout, stderr } = runCli(['gradcheck', '--op', 'sqr']);
    expect(code).to.equal(2);
    expect(stdout).to.equal('');
    expect(stderr.trim()).to.equal("triplet: gradcheck: no differentiable op named 'sqr' (did you mean 'sqrt'?)");
  });

  it('rejects a bad option value and an unknown option with exit code 2, no stack trace', () => {
    const bad = runCli(['gradcheck', '--seed', 'abc']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("--seed expects an integer, got 'abc'");
    expect(bad.stderr).to.not.match(/\n\s+at /);
    const unknown = runCli(['gradcheck', '--frobnicate']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain("unknown option '--frobnicate'");
  });

  it('checks the gradients of another backend with --backend, and refuses an unknown one', () => {
    const js = runCli(['gradcheck', '--op', 'conv2d', '--backend', 'js']);
    expect(js.code).to.equal(0);
    expect(js.stdout).to.match(/5 of 5 gradient checks passed \(seed 0, backend js \(\d+ threads?, .*\)\)\./);
    const gpu = runCli([
      'gradcheck',
      '--op',
      'maxPool2d',
      '--backend',
      'gpu',
      '--gpu-mode',
      'webasm',
      '--eps',
      '1e-3',
      '--atol',
      '1e-3',
      '--rtol',
      '1e-2',
    ]);
    expect(gpu.code).to.equal(0);
    expect(gpu.stdout).to.contain('backend gpu (webasm: webasm)');
    const zeroStep = runCli(['gradcheck', '--eps', '0']);
    expect(zeroStep.code).to.equal(2);
    expect(zeroStep.stderr.trim()).to.equal("triplet: --eps must be > 0, got '0'");
    const bad = runCli(['gradcheck', '--backend', 'cuda']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr.trim()).to.equal("triplet: --backend must be one of reference, js, gpu; got 'cuda'");
  });

  it('says so, in one line, when a GPU mode cannot start, and falls back to js', () => {
    const { code, stdout, stderr } = runCli([
      'gradcheck',
      '--op',
      'relu',
      '--backend',
      'gpu',
      '--gpu-mode',
      'headlessgl',
    ]);
    expect(code).to.equal(0);
    expect(stderr).to.match(
      /^triplet: backend 'gpu' is unavailable \(gpu\.js headlessgl: headless-gl is not available .*\); using 'js' instead$/m,
    );
    expect(stdout).to.match(/backend js \(/);
  });

  it('--help explains the command', () => {
    const { code, stdout } = runCli(['gradcheck', '--help']);
    expect(code).to.equal(0);
    expect(stdout).to.contain('central finite differences in float64');
    expect(stdout).to.contain('--op <name>');
  });
});
