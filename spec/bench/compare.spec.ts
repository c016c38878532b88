import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { treeCpuMs, processTree, waitSettled } from '../../bench/compare/proc.ts';
import { parseWrk, wrkArgs } from '../../bench/compare/wrk.ts';

// A wrk 4.1.0 report as wrk printed it on this machine, except the Latency line's "+/- Stdev",
// set to 72.99%: a 99% that a pattern over the whole report mistakes for the 99th percentile.
const report = `Running 1s test @ http://127.0.0.1:41717/__count
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.74ms    9.12ms  68.38ms   72.99%
    Req/Sec     0.91k   762.70     2.65k    70.00%
  Latency Distribution
     50%  250.00us
     75%    7.70ms
     90%   17.00ms
     99%    1.02s
  921 requests in 1.03s, 165.49KB read
  Non-2xx or 3xx responses: 7
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:    893.94
Transfer/sec:    160.63KB
`;

describe('bench/compare', () => {
  it('reads wrk percentiles from the Latency Distribution block, in ms', () => {
    const r = parseWrk(report);
    expect(r.p50).to.equal(0.25);
    expect(r.p99).to.equal(1020);
    expect(r).to.include({ requests: 921, rps: 893.94, non2xx: 7, socketErrors: 3 });
  });

  it('refuses a report without percentiles instead of reading another column', () => {
    expect(() => parseWrk(report.replace(/ {2}Latency Distribution[\s\S]*?(?= {2}921)/, ''))).to.throw(/--latency/);
  });

  it('gives unique.lua the path with {n}, wrk the origin', () => {
    const args = wrkArgs({ url: 'http://127.0.0.1:9/w_400/http://o/test.jpg?v={n}', connections: 8, seconds: 10, unique: { runId: 'r1' } });
    expect(args.slice(-4)).to.deep.equal(['http://127.0.0.1:9', '--', '/w_400/http://o/test.jpg?v={n}', 'r1']);
    expect(args[args.indexOf('-s') + 1]).to.match(/bench\/compare\/unique\.lua$/);
    expect(args).to.include('-c8').and.include('--latency');
  });

  it('charges a process the CPU of its children and waits for them to finish', async function () {
    this.timeout(60_000); // two node start-ups and 300 ms of CPU on a shared machine
    // A parent that idles while its child burns 300 ms of CPU (not wall time: the machine is shared), then exits.
    const child = spawn(process.execPath, ['-e', `
      require('child_process').spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 300000);'], { stdio: 'inherit' });
      setTimeout(() => {}, 20000);
    `], { stdio: 'ignore' });
    try {
      let seen = 0;
      for (let i = 0; i < 100 && seen < 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = Math.max(seen, processTree(child.pid!).length);
      }
      expect(seen).to.equal(2);
      const settled = await waitSettled(child.pid!, { maxMs: 15_000 });
      expect(settled.settled).to.equal(true);
      // The child has exited by now (its CPU in the parent's cutime) or is still listed.
      expect(treeCpuMs(child.pid!)).to.be.at.least(250);
    } finally {
      child.kill();
    }
  });
});
