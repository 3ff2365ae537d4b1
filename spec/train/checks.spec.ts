import { expect } from 'chai';
import { gradcheckCase, listOps } from '../../lib';

describe('train: the whole network with each loss, end to end', () => {
  const checks = listOps().filter((o) => o.kind === 'network+loss');

  it('has a check for each mining strategy', () => {
    expect(checks.map((o) => o.name)).to.have.members([
      'EmbeddingNet+batchAll',
      'EmbeddingNet+batchHard',
      'EmbeddingNet+batchSemiHard',
    ]);
  });

  for (const op of checks) {
    for (const c of op.cases) {
      it(`gradcheck ${c.label}`, () => {
        const report = gradcheckCase(c, { seed: 31, name: op.name });
        expect(report.passed, report.message).to.equal(true);
        expect(report.checked).to.be.greaterThan(300); // the input and every parameter of the network
      });
    }
  }
});
