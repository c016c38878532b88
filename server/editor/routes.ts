/**
 * GET /editor: the graph editor, a browser client of the FBP runtime at /runtime (it speaks
 * only the protocol Flowhub speaks). Its files are built by server/editor/build.ts and committed;
 * their names carry a content hash, so they are cached for good.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EDITOR_ASSETS_DIR, editorPage, readManifest } from './page.ts';

const TYPES = new Map([['.js', 'text/javascript; charset=utf-8'], ['.css', 'text/css; charset=utf-8']]);

export async function editorRoutes(app: FastifyInstance): Promise<void> {
  const manifest = await readManifest();
  const page = editorPage(manifest);
  // Only the files the manifest names: a request never reaches the file system by its own name.
  const assets = new Map<string, Promise<Buffer>>();
  for (const name of [manifest.script, manifest.style]) assets.set(name, readFile(join(EDITOR_ASSETS_DIR, name)));

  const sendPage = async (_req: FastifyRequest, reply: FastifyReply) => reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; script-src 'self'")
    .send(page);
  const tags = ['editor'];
  const pageRoute = { schema: { tags, summary: 'The graph editor: a browser client of the FBP runtime at /runtime' } };
  app.get('/editor', pageRoute, sendPage);
  app.get('/editor/', pageRoute, sendPage);
  app.get<{ Params: { file: string } }>('/editor/assets/:file', { schema: { tags, summary: 'Editor script and style (content-hashed names are immutable)' } }, async (req, reply) => {
    const body = assets.get(req.params.file);
    if (!body) return reply.code(404).type('text/plain').send('Not found');
    const ext = req.params.file.slice(req.params.file.lastIndexOf('.'));
    return reply.type(TYPES.get(ext) ?? 'application/octet-stream').header('cache-control', 'public, max-age=31536000, immutable').send(await body);
  });
}
