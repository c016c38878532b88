/**
 * Uploads: one original in, its variant set out (webp, avif, jpeg, a png thumbnail by default),
 * stored and addressable (docs/uploads.md).
 *
 *   POST   /uploads[?set=]                 the body is the image (unsigned / Bearer token)
 *   POST   /uploads/<key>/<sig>[?set=]     the same, signed by an app
 *   GET    /uploads/<id>[?set=]            the manifest: original and variants made so far
 *   GET    /uploads/<id>/<variant>[?v=]    one variant (or `original`) from the upload store
 *   DELETE /uploads/<id>, /uploads/<key>/<sig>/<id>   removes original and variants (admin or owner)
 *
 * The id is the sha256 of the bytes: the same bytes give the same id and, once their variants
 * exist, no new job. Variants are made by a job per upload and set on IMGFLOW_UPLOAD_QUEUE
 * (embedded engine, or `imgflow worker` processes with Redis); the POST waits for it like a
 * job-class graph request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Runtime } from '../../runtime/index.ts';
import { errors, ImgflowError } from '../../runtime/errors.ts';
import type { AppRegistry } from '../auth/apps.ts';
import type { Config } from '../config.ts';
import { etagMatches } from '../routes/graph.ts';
import { inputBudgetFor } from '../input/input-budget.ts';
import { jobIdFor } from '../jobs/job-id.ts';
import { parsePrefer } from '../jobs/prefer.ts';
import { isFinished, type JobQueue, type JobSpec, type JobStatus } from '../jobs/types.ts';
import { mimeTypes } from '../formats.ts';
import { createUploadAuth, type UploadAuth } from './auth.ts';
import { orientedSize } from '../input/check-image.ts';
import { allVariants, originalUrl, readOriginalInfo, storedVariants, type OriginalInfo, type VariantInfo, type WantedVariant } from './manifest.ts';
import { receiveUpload } from './receive.ts';
import { loadUploadSets, RESERVED, specHash, VARIANT_NAME, type VariantSet } from './sets.ts';
import { checkUploadId, closeUploadStore, jsonEntry, keys, uploadStoreFor } from './store.ts';

export interface UploadRouteOptions {
  runtime: Runtime;
  config: Config;
  apps: AppRegistry;
  jobs: JobQueue;
}

const QUERY_NAMES = new Set(['set', 'expires']);
/** specHash's shape (sets.ts): 12 base64url characters. */
const SPEC = /^[A-Za-z0-9_-]{12}$/;

export async function uploadRoutes(app: FastifyInstance, opts: UploadRouteOptions): Promise<void> {
  const { runtime, config, apps, jobs } = opts;
  const sets = loadUploadSets(config.uploadSets);
  // Said at start, not refused: graphs come and go at run time (admin API, Flowhub), and an
  // upload of a set whose graph is missing fails with that graph's own 404 code.
  for (const set of sets.list()) {
    for (const [name, v] of set.variants) {
      if (!runtime.store.get(v.graph)) app.log.warn({ set: set.name, variant: name, graph: v.graph }, `upload set ${set.name}: variant ${name} names graph ${v.graph}, which is not loaded; uploads of this set will fail until it is`);
    }
  }
  const { store } = uploadStoreFor(config);
  app.addHook('onClose', async () => closeUploadStore(config));
  const auth = createUploadAuth({ apps, config });
  const immutable = `public, max-age=${config.signedMaxAgeSeconds}, immutable`;
  // A name has one definition across sets (sets.ts): the current one, for URLs without `?v=` and the manifest.
  const current = new Map<string, string>();
  for (const set of sets.list()) for (const [name, v] of set.variants) current.set(name, specHash(v));
  const everyVariant: WantedVariant[] = [...current].map(([name, spec]) => ({ name, spec }));

  // The body stays a stream: receiveUpload reads it with the upload limits (fastify's parsers
  // would buffer it whole first). Content-Type is set aside, as on the graph routes: the format
  // is sniffed from the bytes.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const bodyIsBytes = async (request: FastifyRequest) => {
    request.headers['content-type'] = 'application/octet-stream';
  };

  function setFor(a: UploadAuth, requested: unknown): VariantSet {
    const allowed = sets.namesFor(a.app?.key, a.admin);
    if (requested !== undefined && typeof requested !== 'string') {
      throw errors.IMGFLOW_ERR_PARAM_INVALID({ parameter: 'set' }, undefined, 'one set name', 'set', JSON.stringify(requested));
    }
    const name = requested ?? sets.defaultFor(a.app?.key);
    const set = sets.get(name);
    if (!set || !allowed.includes(name)) throw errors.IMGFLOW_ERR_UPLOAD_SET_UNKNOWN({ set: name, sets: allowed }, undefined, JSON.stringify(name), allowed.join(', ') || '(none)');
    return set;
  }

  // Each set's variants with their definition hashes, and the set's own, once: sets are fixed at start.
  const defined = new Map(sets.list().map((set) => {
    const variants = [...set.variants].map(([name, v]) => ({ name, ...v, spec: specHash(v) }));
    // The set's definition is part of its jobs' key: a job queued before a redefinition is not joined.
    const definition = createHash('sha256').update(variants.map((v) => `${v.name}.${v.spec}`).join('\n')).digest('base64url').slice(0, 12);
    const wanted: WantedVariant[] = variants.map(({ name, spec }) => ({ name, spec }));
    return [set.name, { variants, definition, wanted }];
  }));
  const definitionOf = (set: VariantSet) => defined.get(set.name)!;

  function jobKeyOf(id: string, set: VariantSet) {
    const { variants, definition } = definitionOf(set);
    const key = `uploads/${id}/${set.name}/${definition}`;
    // One job id per upload and set, whoever asks: two uploads of the same bytes for the same
    // set share one job; another set of those bytes is another job.
    return { key, variants, jobId: jobIdFor(config.uploadQueue, key, { secret: config.jobSecret }) };
  }

  function jobSpecOf(id: string, set: VariantSet, a: UploadAuth): JobSpec {
    const { key, variants, jobId } = jobKeyOf(id, set);
    return {
      id: jobId,
      queue: config.uploadQueue,
      key,
      graph: `upload:${set.name}`,
      revision: '',
      query: {},
      params: {},
      format: 'png',
      url: `/uploads/${id}`,
      ...(a.app ? { app: a.app.key } : {}),
      createdAt: Date.now(),
      upload: { id, set: set.name, variants },
    };
  }

  const wantedOf = (set: VariantSet): WantedVariant[] => definitionOf(set).wanted;

  function answer(reply: FastifyReply, status: number, id: string, set: VariantSet, original: OriginalInfo, variants: Record<string, VariantInfo>) {
    return reply.code(status).header('location', `/uploads/${id}`).header('cache-control', 'no-store')
      .send({ id, set: set.name, state: 'done', original, variants, manifest: `/uploads/${id}` });
  }

  async function post(request: FastifyRequest, reply: FastifyReply) {
    const a = auth.check(request, 'POST');
    const query = request.query as Record<string, unknown>;
    for (const name of Object.keys(query)) {
      if (!QUERY_NAMES.has(name)) throw errors.IMGFLOW_ERR_PARAM_UNKNOWN({ parameter: name }, undefined, JSON.stringify(name), 'uploads', [...QUERY_NAMES].join(', '));
    }
    const set = setFor(a, query.set);
    const body = request.body as Readable | undefined;
    if (!body) throw errors.IMGFLOW_ERR_UPLOAD_EMPTY();
    const hold = inputBudgetFor(config).hold();
    reply.raw.once('close', () => hold.release());
    const declared = Number(request.headers['content-length']);
    let received;
    try {
      received = await receiveUpload(body, {
        maxBytes: config.maxUploadBytes,
        headerBytes: config.uploadHeaderBytes,
        maxPixels: config.maxInputPixels,
        declaredLength: Number.isSafeInteger(declared) ? declared : undefined,
        hold,
      });
    } catch (err) {
      // The rest of a refused body is not read: the connection closes after the answer.
      reply.header('connection', 'close');
      throw err;
    }
    const id = received.sha256;
    const stored = await store.head(keys.original(id));
    const created = !stored;
    // What the answer says of the original: from these bytes (the same as any stored under their hash).
    const contentType = mimeTypes[received.info.format as keyof typeof mimeTypes] ?? `image/${received.info.format}`;
    const size = orientedSize(received.info);
    const original: OriginalInfo = { url: originalUrl(id), type: contentType, width: size.width, height: size.height, bytes: received.bytes.length };
    // Also an original stored without its size (before the manifest was read from metadata): described now.
    if (!stored?.meta?.width) {
      // etagFor(bytes) is this very hash in base64url: not computed a second time.
      await store.put(keys.original(id), {
        bytes: received.bytes, contentType, etag: `"${Buffer.from(id, 'hex').toString('base64url')}"`, createdAt: Date.now(),
        meta: { width: String(size.width), height: String(size.height) },
      });
    }
    const owner = a.app ? keys.owner(id, a.app.key) : keys.anonymousOwner(id);
    if (!(await store.head(owner))) await store.put(owner, jsonEntry({ app: a.app?.key ?? null, at: Date.now() }));
    hold.release();

    const wanted = wantedOf(set);
    const ready = await allVariants(store, id, wanted);
    // Same bytes, variants made: nothing to do, no job.
    if (ready) return answer(reply, created ? 201 : 200, id, set, original, ready);

    // Making variants is evaluation: an app's hourly quota counts it (quota 0: stored, never processed).
    if (a.app) apps.chargeEvaluation(a.app);
    const prefer = parsePrefer(request.headers.prefer);
    const waitMs = (prefer.respondAsync ? 0 : Math.min(config.uploadWaitSeconds, prefer.wait ?? Infinity)) * 1000;
    const deadline = Date.now() + waitMs;
    const spec = jobSpecOf(id, set, a);
    let status: JobStatus | undefined;
    // A job of this set that finished without every variant (the upload was deleted meanwhile) is run again, once.
    for (let round = 0; round < 2; round++) {
      status = await jobs.submit(spec);
      const left = deadline - Date.now();
      if (!isFinished(status) && left > 0) {
        const gone = new AbortController();
        const onClose = () => gone.abort();
        request.raw.once('close', onClose);
        try {
          status = await jobs.waitFor(spec.id, left, gone.signal);
        } finally {
          request.raw.off('close', onClose);
        }
      }
      if (status?.state === 'failed' && status.error) {
        const { code, statusCode, message } = status.error;
        throw new ImgflowError(code, statusCode, message, { job: spec.id, upload: id });
      }
      if (status?.state !== 'succeeded') break;
      const done = await allVariants(store, id, wanted);
      if (done) return answer(reply, 201, id, set, original, done);
    }
    const retryAfter = Math.min(60, Math.max(1, status?.etaSeconds ?? 5));
    reply.code(202).header('location', `/jobs/${spec.id}`).header('retry-after', String(retryAfter)).header('cache-control', 'no-store');
    if (prefer.respondAsync) reply.header('preference-applied', 'respond-async');
    else if (prefer.wait !== undefined) reply.header('preference-applied', `wait=${prefer.wait}`);
    return reply.send({ id, set: set.name, state: status?.state ?? 'queued', job: status ?? await jobs.get(spec.id), manifest: `/uploads/${id}` });
  }

  async function manifestOf(request: FastifyRequest, reply: FastifyReply) {
    const { id } = request.params as { id: string };
    checkUploadId(id);
    // `?set=`: that set's variants only (what its POST answers); the set is named, not used, so any set may be read.
    const requested = (request.query as Record<string, unknown>).set;
    let wanted = everyVariant;
    let asked = sets.list();
    if (requested !== undefined) {
      const set = typeof requested === 'string' ? sets.get(requested) : undefined;
      const all = sets.list().map((s) => s.name);
      if (!set) throw errors.IMGFLOW_ERR_UPLOAD_SET_UNKNOWN({ set: requested, sets: all }, undefined, JSON.stringify(requested), all.join(', '));
      wanted = wantedOf(set);
      asked = [set];
    }
    const original = await readOriginalInfo(store, id);
    if (!original) throw errors.IMGFLOW_ERR_UPLOAD_NOT_FOUND({ upload: id }, undefined, id);
    // The variants of the configured definitions stored so far, whichever set's job made them.
    const variants = await storedVariants(store, id, wanted);
    const pending = await pendingSets(id, asked, variants);
    return reply.header('cache-control', 'no-cache').send({ id, original, variants, ...(pending ? { pending } : {}) });
  }

  /**
   * Sets with a variant not stored yet whose job is queued or running: a manifest read while
   * they are made says so, and where to follow them, instead of looking finished with fewer
   * variants. Only sets with a missing variant cost a job lookup.
   */
  async function pendingSets(id: string, asked: VariantSet[], variants: Record<string, VariantInfo>) {
    const out: Record<string, { job: string; state: string; progress: number; missing: string[] }> = {};
    for (const set of asked) {
      // storedVariants lists a name only with the wanted definition
      const missing = wantedOf(set).filter((w) => !(w.name in variants)).map((w) => w.name);
      if (missing.length === 0) continue;
      const { jobId } = jobKeyOf(id, set);
      const status = await jobs.get(jobId);
      if (!status || isFinished(status)) continue;
      out[set.name] = { job: `/jobs/${jobId}`, state: status.state, progress: status.progress, missing };
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  async function variant(request: FastifyRequest, reply: FastifyReply) {
    const { id, variant: name } = request.params as { id: string; variant: string };
    checkUploadId(id);
    const v = (request.query as Record<string, unknown>).v;
    // `?v=` names the stored definition; without it, the variant's current definition, which a
    // redefinition changes: only a versioned URL (and the original, named by its hash) is immutable.
    const spec = typeof v === 'string' ? v : v === undefined ? current.get(name) : undefined;
    const key = name === 'original' ? keys.original(id)
      : VARIANT_NAME.test(name) && !RESERVED.has(name) && spec !== undefined && SPEC.test(spec) ? keys.variant(id, name, spec) : undefined;
    const missing = async () => (await store.head(keys.original(id)))
      ? errors.IMGFLOW_ERR_UPLOAD_VARIANT_NOT_FOUND({ upload: id, variant: name, ...(v !== undefined ? { v } : {}) }, undefined, id, JSON.stringify(name.slice(0, 40)) + (typeof v === 'string' ? ` at v=${JSON.stringify(v.slice(0, 40))}` : ''))
      : errors.IMGFLOW_ERR_UPLOAD_NOT_FOUND({ upload: id }, undefined, id);
    if (!key) throw await missing();
    reply.header('cache-control', name === 'original' || v !== undefined ? immutable : 'no-cache');
    const inm = request.headers['if-none-match'];
    if (inm !== undefined || (config.cacheServe === 'redirect' && store.publicUrl)) {
      const head = await store.head(key);
      if (!head) throw await missing();
      if (inm !== undefined && etagMatches(inm, head.etag)) return reply.code(304).header('etag', head.etag).send();
      if (config.cacheServe === 'redirect' && store.publicUrl) return reply.code(302).header('etag', head.etag).header('location', store.publicUrl(key)).send();
    }
    const entry = await store.get(key);
    if (!entry) throw await missing();
    return reply.header('etag', entry.etag).header('content-type', entry.contentType).send(entry.bytes);
  }

  async function remove(request: FastifyRequest, reply: FastifyReply) {
    const { id } = request.params as { id: string };
    checkUploadId(id);
    const a = auth.check(request, 'DELETE', id);
    if (!(await store.head(keys.original(id)))) throw errors.IMGFLOW_ERR_UPLOAD_NOT_FOUND({ upload: id }, undefined, id);
    // Open mode serves everyone alike; otherwise only an admin or an app that uploaded these bytes.
    if (!a.admin && !apps.open) {
      if (!a.app || !(await store.head(keys.owner(id, a.app.key)))) throw errors.IMGFLOW_ERR_UPLOAD_FORBIDDEN({ upload: id }, undefined, id, a.app?.key ?? '(none)');
    }
    const removed = await store.deletePrefix!(keys.all(id));
    request.log.info({ upload: id, removed, app: a.app?.key }, 'upload deleted');
    return reply.code(204).header('cache-control', 'no-store').send();
  }

  for (const url of ['/uploads', '/uploads/:key/:sig']) app.post(url, { preParsing: [bodyIsBytes] }, post);
  app.get('/uploads/:id', manifestOf);
  app.get('/uploads/:id/:variant', variant);
  app.delete('/uploads/:id', remove);
  app.delete('/uploads/:key/:sig/:id', remove);
}
