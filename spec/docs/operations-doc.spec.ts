import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { OPERATIONS_DOC, operationsReference } from '../../bin/operations-doc.ts';
import { aliases, operations } from '../../operations/index.ts';

describe('docs/operations.md', () => {
  const generated = operationsReference();

  it('is what `npm run docs:operations` generates from the operation metadata (not stale)', () => {
    const onDisk = readFileSync(OPERATIONS_DOC, 'utf8');
    // A plain equality: a diff of 700 lines is no help, the first differing line is.
    const a = onDisk.split('\n'), b = generated.split('\n');
    const at = a.findIndex((line, i) => line !== b[i]);
    expect(at === -1 && a.length === b.length, `line ${at + 1} differs: run npm run docs:operations\n  file:      ${a[at]}\n  generated: ${b[at]}`).to.equal(true);
  });

  it('has a section per operation with every parameter, range and default, and every alias', () => {
    for (const op of operations) {
      const section = generated.split(`\n## ${op.name}\n`)[1]?.split('\n## ')[0];
      expect(section, op.name).to.be.a('string');
      for (const [name, spec] of Object.entries(op.params)) {
        const row = section!.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
        expect(row, `${op.name}.${name}`).to.be.a('string');
        if (spec.default !== undefined) expect(row).to.contain(`\`${String(spec.default)}\``);
        if (spec.min !== undefined) expect(row).to.contain(`${spec.min}..${spec.max ?? ''}`);
      }
    }
    for (const alias of aliases) expect(generated, alias.name).to.contain(`\`${alias.name}\``);
  });
});
