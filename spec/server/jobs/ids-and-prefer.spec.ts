/** Job ids (derived from the cache key, scoped and keyed per app) and RFC 7240 Prefer parsing. */
import { expect } from 'chai';
import { JOB_ID, jobIdFor, queueOfJobId } from '../../../server/jobs/job-id.ts';
import { parsePrefer } from '../../../server/jobs/prefer.ts';

describe('job ids', () => {
  const key = 'deepdream/0123abcd.png';

  it('are one per result: the same key gives the same id in any process', () => {
    const id = jobIdFor('deepdream', key, { app: 'a', secret: 's1' });
    expect(id).to.equal(jobIdFor('deepdream', key, { app: 'a', secret: 's1' }));
    expect(id).to.match(JOB_ID);
    expect(queueOfJobId(id)).to.equal('deepdream');
    expect(jobIdFor('deepdream', 'deepdream/other.png', { app: 'a', secret: 's1' })).to.not.equal(id);
  });

  it('are keyed with the app\'s secret: other apps, or anyone without the secret, get other ids', () => {
    const id = jobIdFor('heavy', key, { app: 'a', secret: 's1' });
    expect(jobIdFor('heavy', key, { app: 'b', secret: 's1' })).to.not.equal(id);
    expect(jobIdFor('heavy', key, { app: 'a', secret: 's2' })).to.not.equal(id);
    expect(jobIdFor('heavy', key, { app: 'a' })).to.not.equal(id);
  });
});

describe('Prefer (RFC 7240)', () => {
  it('reads respond-async and wait=N, case-insensitively, across several headers and parameters', () => {
    expect(parsePrefer(undefined)).to.deep.equal({ respondAsync: false });
    expect(parsePrefer('respond-async, wait=10')).to.deep.equal({ respondAsync: true, wait: 10 });
    expect(parsePrefer(['Wait=5; foo=bar', 'Respond-Async'])).to.deep.equal({ respondAsync: true, wait: 5 });
    expect(parsePrefer('wait="3"')).to.deep.equal({ respondAsync: false, wait: 3 });
  });

  it('ignores malformed and unknown preferences', () => {
    expect(parsePrefer('wait=soon, return=minimal, wait=-1')).to.deep.equal({ respondAsync: false });
  });
});
