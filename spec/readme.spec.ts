import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listOps, PARAMS_SCHEMA } from '../lib';

describe('README', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

  /** The rows of the Markdown table that starts with `header`, as trimmed cells. */
  function tableRows(header: string): string[][] {
    const start = readme.indexOf(header);
    expect(start, `README table '${header}'`).to.be.greaterThan(-1);
    const table = readme.slice(start);
    return table
      .slice(0, table.indexOf('\n\n'))
      .split('\n')
      .slice(2)
      .map((line) =>
        line
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
  }
  it('documents every params.json key with its default, and no key that does not exist', () => {
    const rows = tableRows('| key | type | default | meaning |');
    const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');
    expect(rows.map(([key]) => unquote(key))).to.deep.equal(Object.keys(PARAMS_SCHEMA));
    for (const [key, , value] of rows)
      expect(JSON.parse(unquote(value)), key).to.deep.equal(
        PARAMS_SCHEMA[unquote(key) as keyof typeof PARAMS_SCHEMA].default,
      );
  });

  const ops = listOps().filter((op) => op.kind === 'op');
  const sorted = (names: string[]): string[] => [...names].sort();

  it('lists exactly the registered ops in its table of ops, and says which are not differentiable', () => {
    const rows = tableRows('| group | ops |').map(([group, cell]) => ({
      group,
      names: [...cell.matchAll(/(?:^|, )`(\w+)/g)].map((m) => m[1]),
    }));
    expect(sorted(rows.flatMap((row) => row.names))).to.deep.equal(sorted(ops.map((op) => op.name)));
    const marked = rows.filter((row) => row.group.includes('not differentiable')).flatMap((row) => row.names);
    expect(sorted(marked)).to.deep.equal(sorted(ops.filter((op) => !op.differentiable).map((op) => op.name)));
  });

  it('shows the conventions at kinks that the ops register', () => {
    const expected = sorted(
      ops.filter((op) => op.kink).map((op) => `\`${op.name}\` ${op.kink!.at} | ${op.kink!.gradient}`),
    );
    expect(tableRows('| where | gradient |').map((cells) => cells.join(' | '))).to.deep.equal(expected);
  });

  it('quotes the number of gradient checks `triplet gradcheck` runs', () => {
    const checks = listOps()
      .filter((op) => op.kind !== 'spec' && op.differentiable)
      .reduce((n, op) => n + op.cases.length, 0);
    expect(readme).to.include(`${checks} of ${checks} gradient checks passed`);
  });

  it('gives the two set-up commands', () => {
    expect(readme).to.match(/```bash\nnpm install[^\n]*\nnpm test/);
  });
});

describe('docs/READING.md', () => {
  const root = path.resolve(__dirname, '../..');
  const reading = fs.readFileSync(path.join(root, 'docs/READING.md'), 'utf8');

  it('names only files and folders that exist', () => {
    const named = [...reading.matchAll(/`((?:lib|spec|cli)\/[^`\s]+)`/g)].map((m) => m[1]);
    expect(named.length).to.be.greaterThan(30);
    expect(
      named.filter((file) => !fs.existsSync(path.join(root, file))),
      'missing',
    ).to.deep.equal([]);
  });

  it('names, for every stop, the spec that proves it', () => {
    const stops = reading.split(/\n## \d+\. /).slice(1);
    expect(stops.length).to.be.at.least(12);
    expect(
      stops.filter((stop) => !/`spec\/[^`]+\.spec\.ts`/.test(stop)).map((stop) => stop.split('\n')[0]),
    ).to.deep.equal([]);
  });
});
