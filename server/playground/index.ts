/**
 * The playground at `/`: a page to try every graph (server/playground/static), with what it
 * needs from the server: one config document (mode, catalogue, samples), sample images,
 * graph thumbnails and, in signed mode, an admin-only signing endpoint.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime/index.ts';
import { errors } from '../../runtime/errors.ts';
import type { AppRegistry } from '../auth/apps.ts';
import type { Config } from '../config.ts';
import { ASSET_PREFIX, loadAssets } from './assets.ts';
import { renderPage } from './page.ts';
import { makeSamples } from './samples.ts';
import { signRoute } from './sign.ts';
import { createThumbnails, isLongRunning } from './thumbnails.ts';

export interface PlaygroundOptions {
  runtime: Runtime;
  config: Config;
  apps: AppRegistry;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const tags = ['playground'];

export async function playgroundRoutes(app: FastifyInstance, opts: PlaygroundOptions): Promise<void> {
  const { runtime, config, apps } = opts;
  const assets = loadAssets();
  const page = renderPage(assets);
  // Rendered (SVG through librsvg) on the first playground request, not at start: a server that
  // only serves images never pays for them (bench/README.md, "Memory").
  let rendered: Promise<Awaited<ReturnType<typeof makeSamples>>> | undefined;
  // A failed render is not kept: the next request tries again.
  const samples = () => rendered ??= makeSamples().catch((err: unknown) => { rendered = undefined; throw err; });
  const thumbnails = createThumbnails(runtime, async () => (await samples())[0].bytes);
  const mode = apps.open ? 'open' : config.allowUnsigned ? 'signed+unsigned' : 'signed';

  app.get('/', { schema: { tags, summary: 'The playground: try every graph in a browser' } }, async (_request, reply) => {
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', page.csp)
      .header('x-content-type-options', 'nosniff')
      .send(page.html);
  });

  app.get(`${ASSET_PREFIX}:file`, { schema: { tags, summary: 'Playground scripts and styles (content-hashed names are immutable)' } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const asset = assets.get(file);
    if (!asset) throw errors.IMGFLOW_ERR_NOT_FOUND({ url: request.url }, undefined, `GET ${request.url}`);
    return reply
      .header('content-type', asset.type)
      .header('cache-control', file === asset.hashed ? IMMUTABLE : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(asset.bytes);
  });

  app.get('/playground/samples/:file', { schema: { tags, summary: 'Sample input images (content-hashed names are immutable)' } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const m = /^([a-z]+)\.([0-9a-f]{10})\.jpg$/.exec(file);
    const sample = m ? (await samples()).find((s) => s.name === m[1]) : undefined;
    if (!sample || sample.hash !== m![2]) throw errors.IMGFLOW_ERR_NOT_FOUND({ url: request.url }, undefined, `GET ${request.url}`);
    return reply.header('content-type', 'image/jpeg').header('cache-control', IMMUTABLE).send(sample.bytes);
  });

  app.get('/playground/thumbnails/:graph', { schema: { tags, summary: 'What a graph does, on a sample image (immutable with ?rev=<current revision>)' } }, async (request, reply) => {
    const { graph } = request.params as { graph: string };
    const { rev } = request.query as { rev?: string };
    const current = runtime.revision(graph);
    const thumbnail = await thumbnails.get(graph);
    return reply
      .header('content-type', thumbnail.type)
      .header('cache-control', rev === current ? IMMUTABLE : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(thumbnail.bytes);
  });

  app.get('/playground/config', { schema: { tags, summary: 'What the playground page needs: auth mode, app keys, samples, graphs with their parameters' } }, async (_request, reply) => {
    const graphs = [];
    for (const entry of runtime.store.list()) {
      try {
        const info = runtime.describe(entry.name);
        graphs.push({ ...info, longRunning: isLongRunning(runtime, entry.name), thumbnail: `/playground/thumbnails/${encodeURIComponent(entry.name)}?rev=${info.revision}` });
      } catch {
        // A graph that does not compile cannot be tried; /graphs lists it with its problem.
      }
    }
    graphs.sort((a, b) => a.name.localeCompare(b.name));
    return reply.header('cache-control', 'no-cache').send({
      mode,
      // App keys appear in every signed URL: they are not secrets.
      keys: mode === 'open' ? [] : apps.list().filter((a) => a.enabled).map((a) => a.key),
      samples: (await samples()).map((s) => ({ name: s.name, title: s.title, url: `/playground/samples/${s.name}.${s.hash}.jpg`, width: s.width, height: s.height })),
      graphs,
    });
  });

  await app.register(signRoute, { config, apps });
}
