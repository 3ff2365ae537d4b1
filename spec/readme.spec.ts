import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PARAMS_SCHEMA } from '../lib';

describe('README', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

  it('documents every params.json key with its default, and no key that does not exist', () => {
    const table = readme.slice(readme.indexOf('| key | type | default | meaning |'));
    const lines = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const rows = lines.map((line) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
    const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');
    expect(rows.map(([key]) => unquote(key))).to.deep.equal(Object.keys(PARAMS_SCHEMA));
    for (const [key, , value] of rows) expect(JSON.parse(unquote(value)), key).to.deep.equal(PARAMS_SCHEMA[unquote(key) as keyof typeof PARAMS_SCHEMA].default);
  });

  it('gives the two set-up commands', () => {
    expect(readme).to.match(/```bash\nnpm install[^\n]*\nnpm test/);
  });
});
