/**
 * fbp 1.8 keeps parsed nodes in a plain object: `__proto__(gegl/nop)` wrote `component` onto
 * Object.prototype for the whole process (found by the .fbp property spec through a module that
 * iterates with for...in). Such names are refused before the parser sees them.
 */
import { expect } from 'chai';
import { parseGraphSource } from '../../runtime/index.ts';
import { rejection } from '../_helpers/rejection.ts';

const inheritedKeys = () => {
  const keys: string[] = [];
  for (const key in {}) keys.push(key);
  return keys;
};

describe('.fbp text: names the parser would take for built-in properties', () => {
  for (const word of ['__proto__', 'constructor', 'hasOwnProperty', 'prototype']) {
    it(`refuses ${word} as a node or port name with a coded 400 and pollutes nothing`, async () => {
      for (const text of [
        `${word}(gegl/nop) OUTPUT -> INPUT b(gegl/nop)\nINPORT=${word}.INPUT:INPUT\nOUTPORT=b.OUTPUT:OUTPUT`,
        `a(gegl/nop) OUTPUT -> ${word} b(gegl/nop)\nINPORT=a.INPUT:INPUT\nOUTPORT=b.OUTPUT:OUTPUT`,
      ]) {
        const err = await rejection(Promise.resolve().then(() => parseGraphSource('g', text, 'fbp')));
        expect(err).to.include({ code: 'IMGFLOW_ERR_GRAPH_INVALID', statusCode: 400 });
        expect(err.message).to.contain(word);
      }
      expect(inheritedKeys()).to.deep.equal([]);
      expect(Object.hasOwn(Object, 'component')).to.equal(false);
    });
  }

  it('still takes those words inside quoted IIPs and comments', () => {
    const g = parseGraphSource('g', "# constructor notes\n'__proto__' -> input a(gegl/nop)\nINPORT=a.input:input\nOUTPORT=a.output:output", 'fbp');
    expect(Object.keys(g.processes)).to.deep.equal(['a']);
  });
});
