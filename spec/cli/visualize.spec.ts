import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { runCli } from '../support/cli';

const TINY = {
  num_epochs: 2,
  num_channels: 4,
  embedding_size: 8,
  batch_size: 32,
  train_size: 192,
  eval_size: 90,
  save_summary_steps: 2,
};

describe('cli: visualize and search', () => {
  let root: string;
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-visualize-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('visualize: projector files, a t-SNE map, the curves and a self-contained page, in MODEL_DIR/eval', () => {
    const dir = path.join(root, 'model');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify(TINY));
    expect(runCli(['train', '--model_dir', dir]).code).to.equal(0);
    const { code, stdout, stderr } = runCli(['visualize', '--model_dir', dir]);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('t-SNE of 90 test embeddings');
    const evalDir = path.join(dir, 'eval');
    for (const file of [
      'embeddings.tsv',
      'metadata.tsv',
      'sprite.png',
      'projector_config.pbtxt',
      'tsne.png',
      'curves.png',
      'index.html',
    ]) {
      expect(fs.existsSync(path.join(evalDir, file)), file).to.equal(true);
    }
    expect(fs.readFileSync(path.join(evalDir, 'embeddings.tsv'), 'utf8').trimEnd().split('\n')).to.have.length(90);
    expect(fs.readFileSync(path.join(evalDir, 'metadata.tsv'), 'utf8').trimEnd().split('\n')).to.have.length(90);
    const size = (file: string): number[] => {
      const png = PNG.sync.read(fs.readFileSync(path.join(evalDir, file)));
      return [png.width, png.height];
    };
    expect(size('sprite.png')).to.deep.equal([10 * 28, 10 * 28]); // ⌈√90⌉ = 10 tiles a side
    expect(size('tsne.png')).to.deep.equal([900, 760]);
    expect(size('curves.png')).to.deep.equal([900, 3 * 240 + 40]); // loss, fraction of positive triplets, precision@1
    const html = fs.readFileSync(path.join(evalDir, 'index.html'), 'utf8');
    expect(html.match(/src="data:image\/png;base64,/g)).to.have.length(2);
    expect(html)
      .to.contain('<td>precision_at_1</td>')
      .and.contain('<th>untrained net</th>')
      .and.contain('<th>raw pixels</th>');
    expect(html).to.not.match(/src="(?!data:)/); // nothing to fetch: it opens offline
  });

  it('search: one sub-experiment per value, then the table best first, saved as JSON and CSV; a second run only re-reads', () => {
    const parent = path.join(root, 'search');
    fs.mkdirSync(parent);
    fs.writeFileSync(path.join(parent, 'params.json'), JSON.stringify({ ...TINY, num_epochs: 1 }));
    const { code, stdout, stderr } = runCli([
      'search',
      '--parent_dir',
      parent,
      '--param',
      'margin',
      '--values',
      '0.2,1',
    ]);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('[1/2] margin = 0.2').and.contain('[2/2] margin = 1');
    expect(JSON.parse(fs.readFileSync(path.join(parent, 'margin_0.2', 'params.json'), 'utf8')).margin).to.equal(0.2);
    const results = JSON.parse(fs.readFileSync(path.join(parent, 'search_results.json'), 'utf8'));
    expect(results.param).to.equal('margin');
    expect(results.results.map((r: { value: string }) => r.value).sort()).to.deep.equal(['0.2', '1']);
    const p1 = results.results.map((r: { metrics: Record<string, number> }) => r.metrics.precision_at_1);
    expect(p1[0]).to.be.at.least(p1[1]);
    const csv = fs.readFileSync(path.join(parent, 'search_results.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0].startsWith('margin,model_dir,loss,')).to.equal(true);
    expect(csv).to.have.length(3);
    const table = stdout.slice(stdout.indexOf('search over margin'));
    expect(table).to.match(/margin +precision_at_1 +map_at_r +r_precision +nmi +loss/);
    const again = runCli(['search', '--parent_dir', parent, '--param', 'margin', '--values', '0.2,1']);
    expect(again.code).to.equal(0);
    expect(again.stdout.match(/has already been trained/g)).to.have.length(2);
  });

  it('search: a value that diverges is recorded as failed, and the search goes on with the others', () => {
    const parent = path.join(root, 'search-diverging');
    fs.mkdirSync(parent);
    fs.writeFileSync(
      path.join(parent, 'params.json'),
      JSON.stringify({ ...TINY, num_epochs: 1, save_checkpoint_steps: 1 }),
    );
    const run = runCli(['search', '--parent_dir', parent, '--param', 'learning_rate', '--values', '1e300,1e-3']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/\[1\/2\] learning_rate = 1e300\n[\s\S]*  failed: step 1: .* is not finite/);
    const { results } = JSON.parse(fs.readFileSync(path.join(parent, 'search_results.json'), 'utf8'));
    expect(results.map((r: { value: string; error?: string }) => [r.value, r.error !== undefined])).to.deep.equal([
      ['1e-3', false],
      ['1e300', true],
    ]);
    expect(run.stdout).to.match(/1e300 +— +— +— +— +— +failed \(diverged; see search_results\.json\)/);
    const csv = fs.readFileSync(path.join(parent, 'search_results.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0].endsWith(',error')).to.equal(true);
    expect(csv[2]).to.match(/^1e300,.*,"step 1: .* is not finite/);
  });

  it('search refuses an unknown key and a value out of range, in one line', () => {
    const parent = path.join(root, 'search-bad');
    fs.mkdirSync(parent);
    fs.writeFileSync(path.join(parent, 'params.json'), '{}');
    const unknown = runCli(['search', '--parent_dir', parent, '--param', 'learningrate']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr.trim()).to.equal(
      "triplet: --param: unknown key 'learningrate' (did you mean 'learning_rate'?)",
    );
    const bad = runCli(['search', '--parent_dir', parent, '--param', 'batch_size', '--values', '32,1']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr.trim()).to.match(/^triplet: .*batch_size_1\/params\.json: batch_size must be ≥ 2, got 1$/);
  });
});
