import { expect } from 'chai';
import { linearToSrgb, SRGB_TABLE, srgbTables, srgbToLinear } from '../../operations/kernels/color.ts';

/** What kTableLookup computes, in float32 like the uniform array the kernels read. */
function lookup(table: Float32Array, at: number, v: number): number {
  const f = v * SRGB_TABLE;
  const i = Math.floor(f);
  return table[at + i] + (table[at + 1 + i] - table[at + i]) * (f - i);
}

describe('sRGB lookup tables', () => {
  const table = Float32Array.from(srgbTables());

  it('holds both directions, each SRGB_TABLE + 2 samples with the last repeated', () => {
    expect(table.length).to.equal(2 * (SRGB_TABLE + 2));
    expect(table[SRGB_TABLE + 1]).to.equal(table[SRGB_TABLE]);
  });

  it('stays within 2e-5 of the exact curves over 0..1, ends included', () => {
    let toLinear = 0, toSrgb = 0;
    for (let n = 0; n <= 100_000; n++) {
      const v = n / 100_000;
      toLinear = Math.max(toLinear, Math.abs(lookup(table, 0, v) - srgbToLinear(v)));
      toSrgb = Math.max(toSrgb, Math.abs(lookup(table, SRGB_TABLE + 2, v) - linearToSrgb(v)));
    }
    // float32 storage alone is 3e-8 here; the interpolation error is largest at sRGB's knee
    expect(toLinear).to.be.below(2e-5);
    expect(toSrgb).to.be.below(2e-5);
    expect(toSrgb).to.be.above(0); // the check can fail: it is an interpolation
  });
});
