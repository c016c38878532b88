import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { errors } from '../runtime/errors.ts';

describe('error registry', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it('keys equal codes, and every code is IMGFLOW_ERR_*', () => {
    for (const [key, factory] of Object.entries(errors)) {
      expect(factory.code).to.equal(key);
      expect(key).to.match(/^IMGFLOW_ERR_[A-Z_]+$/);
    }
  });

  it('gives every code a 4xx status, except configuration (refused at start, never sent)', () => {
    for (const [key, factory] of Object.entries(errors)) {
      if (key === 'IMGFLOW_ERR_CONFIG_INVALID') continue;
      expect(factory.statusCode, key).to.be.within(400, 504);
      expect(factory.statusCode, key).to.not.equal(500);
    }
  });

  it('documents every code with its status in docs/errors.md', () => {
    for (const [key, factory] of Object.entries(errors)) {
      expect(doc, key).to.contain(`| \`${key}\` | ${factory.statusCode} |`);
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/\| `(IMGFLOW_ERR_[A-Z_]+)` \|/g)].map((m) => m[1]);
    expect(documented.filter((c) => !(c in errors))).to.deep.equal([]);
  });
});
