/**
 * The plan's predicted sizes against what the executor (sharp) actually makes: random chains
 * of the operations that change size, with random parameters, on random input sizes.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import sharp from 'sharp';
import { operations } from '../../operations/index.ts';
import type { Params, Size } from '../../operations/define.ts';
import { bindParameters, checkPlanSizes, compileGraph, evaluatePlan, planSizes, SOURCE } from '../../runtime/index.ts';
import { resolveProducer } from '../../runtime/compiler.ts';
import { chainGraph, registry } from '../_helpers/graphs.ts';

type Step =
  | { op: 'resize'; width?: number; height?: number; fit: string; enlarge: boolean; kernel: string }
  | { op: 'extend'; top: number; bottom: number; left: number; right: number }
  | { op: 'rotate'; degrees: number }
  | { op: 'crop'; fx: number; fy: number; fw: number; fh: number };

const side = fc.integer({ min: 1, max: 200 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('resize' as const),
    width: fc.option(side, { nil: undefined }),
    height: fc.option(side, { nil: undefined }),
    fit: fc.constantFrom('inside', 'cover', 'contain', 'fill', 'outside'),
    enlarge: fc.boolean(),
    // nearest is checked on its own below: it may round a half pixel down.
    kernel: fc.constantFrom('linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'),
  }).filter((s) => s.width !== undefined || s.height !== undefined),
  fc.record({ op: fc.constant('extend' as const), top: fc.nat(30), bottom: fc.nat(30), left: fc.nat(30), right: fc.nat(30) }),
  fc.record({
    op: fc.constant('rotate' as const),
    degrees: fc.oneof(fc.integer({ min: -4, max: 4 }).map((k) => k * 90), fc.double({ min: -360, max: 360, noNaN: true })),
  }),
  fc.record({ op: fc.constant('crop' as const), fx: fc.double({ min: 0, max: 0.99, noNaN: true }), fy: fc.double({ min: 0, max: 0.99, noNaN: true }), fw: fc.double({ min: 0.01, max: 1, noNaN: true }), fh: fc.double({ min: 0.01, max: 1, noNaN: true }) }),
);

const byName = new Map(operations.map((op) => [op.name, op]));

/** A shrink factor as a fraction num/den (sizes are integers, so every factor is one). */
interface Ratio { num: number; den: number }
const less = (a: Ratio, b: Ratio) => a.num * b.den < b.num * a.den;

/**
 * True when a resize makes a side whose exact size is a whole number and a half: libvips rounds
 * those either way (operations/resize.ts predicts the larger), so the exact property skips them.
 */
function halfPixelResize(s: Extract<Step, { op: 'resize' }>, size: Size): boolean {
  let hs: Ratio = { num: 1, den: 1 };
  let vs: Ratio = { num: 1, den: 1 };
  const fromW: Ratio | undefined = s.width ? { num: size.width, den: s.width } : undefined;
  const fromH: Ratio | undefined = s.height ? { num: size.height, den: s.height } : undefined;
  if (fromW && fromH) {
    hs = fromW;
    vs = fromH;
    if (s.fit === 'cover' || s.fit === 'outside') hs = vs = less(fromW, fromH) ? fromW : fromH;
    else if (s.fit === 'contain' || s.fit === 'inside') hs = vs = less(fromW, fromH) ? fromH : fromW;
  } else if (fromW) {
    hs = fromW;
    if (s.fit !== 'fill') vs = hs;
  } else if (fromH) {
    vs = fromH;
    if (s.fit !== 'fill') hs = vs;
  }
  if (!s.enlarge) {
    if (less(hs, { num: 1, den: 1 })) hs = { num: 1, den: 1 };
    if (less(vs, { num: 1, den: 1 })) vs = { num: 1, den: 1 };
  }
  // n / (num/den) = n*den/num is k + 1/2 exactly when 2*n*den mod 2*num equals num.
  const half = (n: number, r: Ratio) => (2 * n * r.den) % (2 * r.num) === r.num;
  return half(size.width, hs) || half(size.height, vs);
}

/** Graph IIPs for the chain; crops become rectangles inside the image they will receive. */
function iipsFor(steps: Step[], input: Size, halves: { seen: boolean } = { seen: false }): [string, Record<string, unknown>][] {
  let size = input;
  return steps.map((s) => {
    if (s.op === 'resize' && halfPixelResize(s, size)) halves.seen = true;
    let iips: Params;
    if (s.op === 'crop') {
      const x = Math.min(size.width - 1, Math.floor(s.fx * size.width));
      const y = Math.min(size.height - 1, Math.floor(s.fy * size.height));
      iips = { x, y, width: Math.max(1, Math.floor(s.fw * (size.width - x))), height: Math.max(1, Math.floor(s.fh * (size.height - y))) };
    } else {
      const { op: _op, ...rest } = s;
      iips = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Params;
    }
    const op = byName.get(s.op)!;
    const withDefaults: Params = { ...Object.fromEntries(Object.entries(op.params).filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default!])), ...iips };
    size = op.outputSize!(size, withDefaults, {});
    return [`imgflow/${s.op}`, iips];
  });
}

describe('runtime/plan-size', () => {
  it('predicts what sharp makes for random chains of resize, extend, crop and rotate', async function () {
    this.timeout(60000);
    await fc.assert(
      fc.asyncProperty(side, side, fc.array(step, { minLength: 1, maxLength: 3 }), async (w, h, steps) => {
        const input = await sharp({ create: { width: w, height: h, channels: 3, background: '#468' } }).png().toBuffer();
        const halves = { seen: false };
        const plan = bindParameters(compileGraph('chain', chainGraph(iipsFor(steps, { width: w, height: h }, halves)), registry), {});
        fc.pre(!halves.seen);
        const predicted = planSizes(plan, (id) => (id === SOURCE ? { width: w, height: h } : undefined)).get(resolveProducer(plan, plan.output));
        const made = await evaluatePlan(plan, registry, { input, format: 'png' });
        expect(predicted, JSON.stringify(steps)).to.deep.equal({ width: made.width, height: made.height });
      }),
      { numRuns: 150 },
    );
  });

  it('never predicts less than sharp makes (nearest kernel, half pixels), and at most a pixel more', async function () {
    this.timeout(30000);
    const resize = byName.get('resize')!;
    // A width halved exactly with an odd height: the height's exact size is k + 1/2.
    const halfCase = fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 99 }))
      .map(([a, k]) => ({ w: 2 * a, h: 2 * k + 1, target: a }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.record({ w: side, h: side, target: side }), halfCase),
        fc.boolean(), fc.boolean(), fc.constantFrom('nearest', 'linear', 'lanczos3'),
        async ({ w, h, target }, byWidth, enlarge, kernel) => {
        const params: Params = { fit: 'inside', kernel, enlarge, ...(byWidth ? { width: target } : { height: target }) };
        const { info } = await sharp({ create: { width: w, height: h, channels: 3, background: '#468' } })
          .resize({ width: params.width as number, height: params.height as number, kernel: kernel as 'nearest', withoutEnlargement: !enlarge })
          .raw().toBuffer({ resolveWithObject: true });
        const predicted = resize.outputSize!({ width: w, height: h }, params, {});
        expect(predicted.width - info.width).to.be.within(0, 1);
        expect(predicted.height - info.height).to.be.within(0, 1);
      }),
      { numRuns: 100 },
    );
  });

  it('predicts the rounded-up side where the exact size is a float a hair under a half (198x117 to width 121: 71.5)', () => {
    expect(byName.get('resize')!.outputSize!({ width: 198, height: 117 }, { width: 121, fit: 'inside', enlarge: false }, {})).to.deep.equal({ width: 121, height: 72 });
  });

  describe('pipelines sharp would get wrong, found by the property above', () => {
    const run = async (w: number, h: number, steps: [string, Record<string, unknown>][]) => {
      const input = await sharp({ create: { width: w, height: h, channels: 3, background: '#468' } }).png().toBuffer();
      const made = await evaluatePlan(bindParameters(compileGraph('t', chainGraph(steps), registry), {}), registry, { input, format: 'png' });
      const meta = await sharp(made.bytes).metadata();
      return { reported: [made.width, made.height], encoded: [meta.width, meta.height] };
    };

    it('an extend after a post-resize crop is not fused (sharp would report the crop\'s size)', async () => {
      const r = await run(10, 10, [['imgflow/resize', { height: 5 }], ['imgflow/crop', { x: 0, y: 0, width: 2, height: 2 }], ['imgflow/extend', { right: 3 }]]);
      expect(r).to.deep.equal({ reported: [5, 2], encoded: [5, 2] });
    });

    it('a rotate after a cover resize is not fused (sharp would crop to the box after turning)', async () => {
      const r = await run(10, 20, [['imgflow/resize', { width: 5, height: 7, fit: 'cover' }], ['imgflow/rotate', { degrees: 90 }]]);
      expect(r).to.deep.equal({ reported: [7, 5], encoded: [7, 5] });
    });
  });

  it('refuses an intermediate image over the limit even when the output is small', () => {
    const plan = bindParameters(compileGraph('upDown', chainGraph([
      ['imgflow/resize', { width: 16384, enlarge: true }],
      ['imgflow/resize', { width: 64 }],
    ]), registry), {});
    const sizes = planSizes(plan, () => ({ width: 64, height: 64 }));
    expect(sizes.get('n1')).to.deep.equal({ width: 64, height: 64 });
    expect(() => checkPlanSizes(plan, sizes, { maxOutputPixels: 25e6, maxIntermediatePixels: 50e6 }))
      .to.throw().with.property('code', 'IMGFLOW_ERR_OUTPUT_TOO_LARGE');
    expect(() => checkPlanSizes(plan, sizes, { maxOutputPixels: 25e6, maxIntermediatePixels: 16384 * 16384 })).to.not.throw();
  });
});
