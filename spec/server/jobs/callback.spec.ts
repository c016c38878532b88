/** Completion callbacks: checked at request time, and sent under the input fetcher's address rules. */
import { expect } from 'chai';
import { loadConfig } from '../../../server/config.ts';
import { deliverCallback, parseCallback } from '../../../server/jobs/callback.ts';
import type { JobStatus } from '../../../server/jobs/types.ts';
import { startJobOrigin, type JobOrigin } from './_fixtures.ts';

const status: JobStatus = { id: 'heavy.x', state: 'succeeded', queue: 'heavy', graph: 'g', progress: 1, result: '/graph/g.png', attempts: 1, createdAt: 0 };

describe('job callbacks', () => {
  let origin: JobOrigin;
  before(async () => { origin = await startJobOrigin(); });
  after(async () => origin?.close());

  it('refuses URLs that are not one absolute http(s) URL without credentials (400 IMGFLOW_ERR_CALLBACK_INVALID)', () => {
    for (const bad of ['ftp://example.com/x', 'http://user:pw@example.com/', '/relative', ['http://a/', 'http://b/']]) {
      expect(() => parseCallback(bad), JSON.stringify(bad)).to.throw().with.property('code', 'IMGFLOW_ERR_CALLBACK_INVALID');
    }
    expect(parseCallback('https://example.com/done?x=1')).to.equal('https://example.com/done?x=1');
    expect(parseCallback(undefined)).to.equal(undefined);
  });

  it('never POSTs to a loopback address unless private sources are allowed', async () => {
    const warnings: object[] = [];
    const log = { info() {}, warn: (o: object) => warnings.push(o) };
    const url = origin.url('/cb?private=1');
    const refused = await deliverCallback(loadConfig({ allowPrivateSources: false, callbackAttempts: 1, logLevel: 'silent' }, {}), url, status, 'secret', log);
    expect(refused).to.equal(false);
    expect(origin.callbacks.filter((c) => c.path === '/cb?private=1')).to.have.length(0);
    expect(JSON.stringify(warnings)).to.contain('non-public address');
    const sent = await deliverCallback(loadConfig({ allowPrivateSources: true, callbackAttempts: 1, logLevel: 'silent' }, {}), url, status, 'secret', log);
    expect(sent).to.equal(true);
    expect(origin.callbacks.filter((c) => c.path === '/cb?private=1')).to.have.length(1);
  });
});
