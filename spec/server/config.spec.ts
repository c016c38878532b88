import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { configTable, loadConfig } from '../../server/config.ts';
import type { ImgflowError } from '../../runtime/errors.ts';

describe('configuration', () => {
  it('has defaults that need no environment at all (embedded mode)', () => {
    const config = loadConfig({}, {});
    expect(config.port).to.equal(8080);
    expect(config.allowPrivateSources).to.equal(false);
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('reads typed values from the environment', () => {
    const config = loadConfig({}, { PORT: '9000', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_GPU: 'cpu', IMGFLOW_GRAPHS_DIR: '/srv/graphs' });
    expect(config).to.include({ port: 9000, allowPrivateSources: true, gpu: 'cpu', graphsDir: '/srv/graphs' });
  });

  it('refuses bad values, listing every problem', () => {
    let err: ImgflowError | undefined;
    try {
      loadConfig({}, { PORT: 'eighty', IMGFLOW_MAX_QUEUE: '-3', IMGFLOW_GPU: 'quantum', IMGFLOW_ALLOW_PRIVATE_SOURCES: 'maybe' });
    } catch (e) {
      err = e as ImgflowError;
    }
    expect(err?.code).to.equal('IMGFLOW_ERR_CONFIG_INVALID');
    expect(err?.details.problems).to.have.length(4);
    expect(err?.message).to.contain('PORT="eighty": expected an integer between 0 and 65535');
  });

  it('never mutates the overrides it is given', () => {
    const overrides = Object.freeze({ graphsDir: 'graphs' });
    expect(() => loadConfig(overrides, {})).to.not.throw();
  });

  it('is documented in the README by the generated table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).to.contain(configTable());
  });
});
