import { expect } from 'chai';
import { ArrayArena } from '../../lib';
import { allocate } from '../../lib/tensor/arena';

describe('tensor: ArrayArena', () => {
  it('outside a run, allocate makes new zeroed arrays', () => {
    const arena = new ArrayArena();
    const a = allocate('float32', 8);
    a.fill(3);
    arena.reclaim([]);
    expect(allocate('float32', 8)).not.to.equal(a);
    expect(arena.created).to.equal(0);
  });

  it('inside a run, a reclaimed array of the same dtype and length comes back zeroed', () => {
    const arena = new ArrayArena();
    const first = arena.run(() => allocate('float32', 6));
    first.fill(7);
    expect(arena.reclaim([])).to.equal(1);
    const again = arena.run(() => [allocate('float64', 6), allocate('float32', 5), allocate('float32', 6)]);
    expect(again[2]).to.equal(first);
    expect(Array.from(again[2])).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(again[0]).to.be.instanceOf(Float64Array); // another dtype, another list
    expect(again[1].length).to.equal(5);
    expect(arena.created).to.equal(3); // first, and the float64 and length-5 ones
  });

  it('hands a reclaimed array back uncleared when the caller will overwrite it (zeroed: false)', () => {
    const arena = new ArrayArena();
    const first = arena.run(() => allocate('float32', 3));
    first.set([1, 2, 3]);
    arena.reclaim([]);
    const again = arena.run(() => allocate('float32', 3, false));
    expect(again).to.equal(first);
    expect(Array.from(again)).to.deep.equal([1, 2, 3]);
    expect(Array.from(allocate('float32', 3, false))).to.deep.equal([0, 0, 0]); // outside an arena: always new
  });

  it('never reuses the arrays it is told to keep', () => {
    const arena = new ArrayArena();
    const [kept, dropped] = arena.run(() => [allocate('float32', 4), allocate('float32', 4)]);
    kept.fill(1);
    arena.reclaim([kept]);
    const next = arena.run(() => [allocate('float32', 4), allocate('float32', 4)]);
    expect(next[0]).to.equal(dropped);
    expect(next[1]).not.to.equal(kept);
    expect(Array.from(kept)).to.deep.equal([1, 1, 1, 1]);
  });

  it('restores the previous arena after a run, even after a throw; poison marks reclaimed arrays', () => {
    const outer = new ArrayArena();
    const inner = new ArrayArena();
    inner.poison = true;
    const [fromInner, fromOuter] = outer.run(() => {
      const a = inner.run(() => allocate('float32', 2));
      expect(() => inner.run(() => { throw new Error('boom'); })).to.throw('boom');
      return [a, allocate('float32', 3)];
    });
    expect(inner.created).to.equal(1);
    expect(outer.created).to.equal(1);
    expect(fromOuter.length).to.equal(3);
    inner.reclaim([]);
    expect(Number.isNaN(fromInner[0])).to.equal(true);
    expect(inner.freeBytes).to.equal(8);
  });
});
