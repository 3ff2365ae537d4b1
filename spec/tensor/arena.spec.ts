import { expect } from 'chai';
import { ArrayArena } from '../../lib';
import { allocate, allocateIndices } from '../../lib/tensor/arena';

describe('tensor: ArrayArena', () => {
  it('outside a step, allocate makes new zeroed arrays', () => {
    const arena = new ArrayArena();
    const a = allocate('float32', 8);
    a.fill(3);
    arena.step(() => undefined);
    expect(allocate('float32', 8)).not.to.equal(a);
    expect(Array.from(allocate('float32', 8, false))).to.deep.equal(new Array(8).fill(0));
    expect(arena.created).to.equal(0);
  });

  it('in a step, an array of the same kind and length taken back after the last step comes back zeroed', () => {
    const arena = new ArrayArena();
    const first = arena.step(() => allocate('float32', 6).fill(7));
    const again = arena.step(() => [
      allocate('float64', 6),
      allocate('float32', 5),
      allocate('float32', 6),
      allocateIndices(6),
    ]);
    expect(again[2]).to.equal(first);
    expect(Array.from(again[2])).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(again[0]).to.be.instanceOf(Float64Array); // another dtype, another list
    expect(again[1].length).to.equal(5);
    expect(again[3]).to.be.instanceOf(Int32Array);
    expect(arena.created).to.equal(4); // first, then the float64, length-5 and int32 ones
  });

  it('hands an array back uncleared when the caller will overwrite it (zeroed: false)', () => {
    const arena = new ArrayArena();
    const first = arena.step(() => allocate('float32', 3));
    first.set([1, 2, 3]); // a read after the step, as only a spec may: the arena has it back
    const again = arena.step(() => allocate('float32', 3, false));
    expect(again).to.equal(first);
    expect(Array.from(again)).to.deep.equal([1, 2, 3]);
  });

  it('never reuses the arrays it is told to keep (read when the step ends, so the step may add to them)', () => {
    const arena = new ArrayArena();
    const keep: Float32Array[] = [];
    const dropped = arena.step(() => {
      keep.push(allocate('float32', 4).fill(1) as Float32Array);
      return allocate('float32', 4);
    }, keep);
    const next = arena.step(() => [allocate('float32', 4), allocate('float32', 4)]);
    expect(next[0]).to.equal(dropped);
    expect(next[1]).not.to.equal(keep[0]);
    expect(Array.from(keep[0])).to.deep.equal([1, 1, 1, 1]);
  });

  it('gives `out` the result before taking the arrays back, and serves it no arena', () => {
    const arena = new ArrayArena();
    arena.poison = true;
    const copied = arena.step(
      () => allocate('float32', 3).fill(2),
      [],
      (lent) => {
        const copy = allocate('float32', 3); // outside the step: a new array, not the arena's
        copy.set(lent);
        return copy;
      },
    );
    expect(Array.from(copied)).to.deep.equal([2, 2, 2]);
    expect(arena.created).to.equal(1);
    expect(arena.freeBytes).to.equal(12);
  });

  it('restores the previous arena after a step and takes the arrays back even after a throw; poison marks them', () => {
    const outer = new ArrayArena();
    const inner = new ArrayArena();
    inner.poison = true;
    const [fromInner, fromOuter] = outer.step(() => {
      const a = inner.step(() => allocate('float32', 2));
      expect(() => inner.step(() => (allocate('float32', 4), allocateIndices(1), assertNever()))).to.throw('boom');
      return [a, allocate('float32', 3)];
    });
    expect(inner.created).to.equal(3);
    expect(outer.created).to.equal(1);
    expect(fromOuter.length).to.equal(3);
    expect(Number.isNaN(fromInner[0])).to.equal(true);
    expect(inner.freeBytes).to.equal(8 + 16 + 4);
  });
});

function assertNever(): never {
  throw new Error('boom');
}
