import { expect } from 'chai';
import { coerceParam, describeAccepts, parseColor, ImgflowError } from '../../runtime/index.ts';
import type { ParamSpec } from '../../operations/define.ts';

const int: ParamSpec = { type: 'int', min: 0, max: 2000, description: '' };
const num: ParamSpec = { type: 'number', min: 0.3, max: 1000, description: '' };
const bool: ParamSpec = { type: 'boolean', description: '' };
const en: ParamSpec = { type: 'enum', values: ['none', 'clamp', 'black'], description: '' };
const color: ParamSpec = { type: 'color', description: '' };
const str: ParamSpec = { type: 'string', description: '' };

function refused(spec: ParamSpec, raw: unknown): ImgflowError {
  try {
    coerceParam('p', spec, raw);
  } catch (err) {
    return err as ImgflowError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

describe('parameter coercion', () => {
  const valid: [ParamSpec, unknown, unknown][] = [
    [int, '42', 42], [int, 7, 7], [int, ' 0 ', 0], [int, '2000', 2000],
    [num, '0.3', 0.3], [num, '1e2', 100], [num, 4.5, 4.5],
    [bool, 'true', true], [bool, 'FALSE', false], [bool, '1', true], [bool, '0', false], [bool, true, true],
    [en, 'clamp', 'clamp'], [en, ' black', 'black'],
    [color, '#f00', '#ff0000ff'], [color, '#F00A', '#ff0000aa'], [color, '#0a2a2f', '#0a2a2fff'], [color, '#0A2A2F80', '#0a2a2f80'],
    [color, 'RebeccaPurple', '#663399ff'], [color, 'transparent', '#00000000'],
    [str, 'hello', 'hello'], [str, 5, '5'],
  ];
  for (const [spec, raw, want] of valid) {
    it(`${spec.type} accepts ${JSON.stringify(raw)} as ${JSON.stringify(want)}`, () => {
      expect(coerceParam('p', spec, raw)).to.equal(want);
    });
  }

  const invalid: [ParamSpec, unknown][] = [
    [int, 'abc'], [int, '4.5'], [int, ''], [int, '-1'], [int, '2001'], [int, 'Infinity'], [int, '0x10'],
    [num, 'NaN'], [num, '0.2'], [num, '1e9'], [num, ''],
    [bool, 'yes please'], [bool, ''],
    [en, 'mirror'], [en, 'CLAMP'],
    [color, 'nocolor'], [color, '#12345'], [color, '#ggg'], [color, 42],
    [str, { a: 1 }],
  ];
  for (const [spec, raw] of invalid) {
    it(`${spec.type} refuses ${JSON.stringify(raw)} with a 400 naming the parameter and what it accepts`, () => {
      const err = refused(spec, raw);
      expect(err.code).to.equal('IMGFLOW_ERR_PARAM_INVALID');
      expect(err.statusCode).to.equal(400);
      expect(err.details).to.include({ parameter: 'p', accepts: describeAccepts(spec) });
      expect(err.message).to.match(new RegExp(`^Expected .+ for p but received`));
    });
  }

  it('describes ranges the way sharp words its errors', () => {
    expect(refused(num, '2000').message).to.equal('Expected number between 0.3 and 1000 for p but received "2000" of type string');
    expect(describeAccepts(en)).to.equal('one of none, clamp, black');
  });

  it('parses colours into channels', () => {
    expect(parseColor('#80ff0040')).to.deep.equal({ r: 128, g: 255, b: 0, alpha: 64 / 255 });
    expect(parseColor('white')).to.deep.equal({ r: 255, g: 255, b: 255, alpha: 1 });
    expect(parseColor('not-a-colour')).to.equal(undefined);
  });
});
