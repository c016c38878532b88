/**
 * Images entering through the runtime (a sample sent as data or as a URL, an image parameter)
 * pass the checks HTTP inputs pass: format from the magic bytes (no SVG) and the configured
 * pixel limit read from the header, before anything decodes them.
 */
import { expect } from 'chai';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { GraphJson } from '../../runtime/index.ts';
import { mainGraph, startHarness, type Harness } from './_fixtures/harness.ts';
import type { Received, TestClient } from './_fixtures/client.ts';

const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>');
const dataUrl = (bytes: Buffer, type: string) => `data:${type};base64,${bytes.toString('base64')}`;

/** A PNG whose header says width x height but whose pixel data is cut short: only a decode would notice. */
async function pngHeaderClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer());
  // IHDR is the first chunk: length (4) type (4) at offset 8, data from 16, CRC after 13 bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

const dream: GraphJson = {
  inports: { input: { process: 'dream', port: 'input' }, guide: { process: 'dream', port: 'guide' } },
  outports: { output: { process: 'dream', port: 'output' } },
  processes: { dream: { component: 'imgflow/deepdream' } },
  connections: [],
};

describe('ui-protocol: images sent to the runtime pass the HTTP input checks', function () {
  let h: Harness;
  let client: TestClient;
  before(async () => {
    // The default IMGFLOW_MAX_INPUT_PIXELS (50 MP), well under sharp's own 268 MP.
    h = await startHarness({ main: mainGraph, dream });
    client = await h.connect();
    h.originFiles.set('/picture.svg', { body: SVG, type: 'image/svg+xml' });
    h.originFiles.set('/huge.png', { body: await pngHeaderClaiming(10_000, 6_000), type: 'image/png' });
  });
  after(() => h.close());

  /** Sends `payload` to the graph's `port`: the run's first error, or the graph's output packet. */
  async function send(graph: string, port: string, payload: unknown): Promise<Received> {
    const mark = client.send('runtime', 'packet', { graph, port, event: 'data', payload });
    const isError = (m: Received) => m.protocol === 'network' && ['error', 'processerror'].includes(m.command);
    const isOutput = (m: Received) => m.protocol === 'runtime' && m.command === 'packet' && m.payload.port === 'output';
    return client.waitFor((m) => (isError(m) || isOutput(m)) && m.payload.graph === graph, mark, 5000);
  }

  it('refuses an SVG sample, sent as data or as a URL, with a coded network:error', async () => {
    for (const sample of [dataUrl(SVG, 'image/svg+xml'), h.originUrl('/picture.svg')]) {
      const answer = await send('main', 'input', sample);
      expect(answer.command).to.equal('error');
      expect(answer.payload.message).to.match(/^Sample image refused: .*svg is not accepted.*\(IMGFLOW_ERR_INPUT_NOT_IMAGE\)$/);
    }
  });

  it('refuses a sample over IMGFLOW_MAX_INPUT_PIXELS from its header, before decoding it', async () => {
    for (const sample of [dataUrl(await pngHeaderClaiming(10_000, 6_000), 'image/png'), h.originUrl('/huge.png')]) {
      const answer = await send('main', 'input', sample);
      expect(answer.command).to.equal('error');
      // A decode would have failed on the missing pixel data instead.
      expect(answer.payload.message).to.equal('Sample image refused: Input image has 60000000 pixels; the limit is 50000000 (IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS)');
    }
  });

  it('refuses an SVG given to an image parameter (deepdream guide)', async () => {
    // Image parameters are URLs (as on HTTP), fetched through the server's fetcher.
    const answer = await send('dream', 'guide', h.originUrl('/picture.svg'));
    expect(answer.command).to.be.oneOf(['error', 'processerror']);
    expect(answer.payload.error ?? answer.payload.message).to.match(/^Image parameter refused: .*\(IMGFLOW_ERR_INPUT_NOT_IMAGE\)$/);
  });

  it('still previews a normal PNG sample', async () => {
    const png = await sharp({ create: { width: 120, height: 90, channels: 3, background: '#3060c0' } }).png().toBuffer();
    const answer = await send('main', 'input', dataUrl(png, 'image/png'));
    expect(answer.command).to.equal('packet');
    expect(answer.payload.payload).to.include({ type: 'previewurl', width: 120, height: 90 });
  });
});
