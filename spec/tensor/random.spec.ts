import { expect } from 'chai';
import { Rng } from '../../lib';

describe('tensor/random: Rng', () => {
  it('is xoshiro128**: from state [1,2,3,4] the first outputs are 11520, 0, 5927040 (worked by hand)', () => {
    // out = rotl(s1·5, 7)·9: s1 = 2 → 11520; the update leaves s1 = 0 → 0; then s1 = 1029 → rotl(5145, 7)·9 = 5927040.
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).to.deep.equal([11520, 0, 5927040]);
  });

  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => rng.nextUint32());
    };
    expect(draw(42)).to.deep.equal(draw(42));
    expect(draw(42)).to.not.deep.equal(draw(43));
  });

  it('resumes exactly from a saved state', () => {
    const rng = new Rng(7);
    rng.normal();
    const copy = Rng.fromState(rng.state());
    expect([copy.random(), copy.normal(), copy.int(10)]).to.deep.equal([rng.random(), rng.normal(), rng.int(10)]);
  });

  it('draws uniform and normal values with the right moments', () => {
    const rng = new Rng(3);
    const n = 20000;
    const u = Array.from({ length: n }, () => rng.random());
    const z = Array.from({ length: n }, () => rng.normal());
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = (xs: number[]): number => {
      const m = mean(xs);
      return mean(xs.map((x) => (x - m) ** 2));
    };
    expect(Math.min(...u)).to.be.at.least(0);
    expect(Math.max(...u)).to.be.below(1);
    expect(mean(u)).to.be.closeTo(0.5, 0.01);
    expect(variance(u)).to.be.closeTo(1 / 12, 0.005);
    expect(mean(z)).to.be.closeTo(0, 0.03);
    expect(variance(z)).to.be.closeTo(1, 0.03);
  });

  it('int(n) covers [0, n) evenly and shuffle permutes', () => {
    const rng = new Rng(5);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(c).to.be.within(850, 1150);
    const items = Array.from({ length: 50 }, (_, i) => i);
    rng.shuffle(items);
    expect([...items].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(items).to.not.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a non-finite seed and an all-zero state', () => {
    expect(() => new Rng(NaN)).to.throw(/seed must be a finite number/);
    expect(() => Rng.fromState([0, 0, 0, 0])).to.throw(/not all zero/);
  });
});
