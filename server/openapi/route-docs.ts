/**
 * What the OpenAPI document says about each route, keyed by `METHOD url` as fastify registers it.
 * Kept here rather than as route `schema`s because a fastify schema also validates and
 * serialises: a response schema would drop fields the JSON routes return, and a querystring
 * schema on the graph routes would refuse the parameters each graph defines. A route may
 * instead carry its own `schema.summary`; spec/server/openapi.spec.ts fails for a route that
 * has neither.
 */
type Schema = Record<string, unknown>;

export interface RouteDoc {
  tags: string[];
  summary: string;
  description?: string;
  params?: Schema;
  querystring?: Schema;
  body?: Schema;
  response?: Record<string, Schema>;
  security?: Array<Record<string, string[]>>;
}

const json = (description: string, schema: Schema = { type: 'object', additionalProperties: true }) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(description, { $ref: '#/components/schemas/Error' });
const stringParams = (...names: string[]) => ({ type: 'object', required: names, properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])) });
const image = { description: 'The processed image', content: { 'image/*': { schema: { type: 'string', format: 'binary' } } } };
const admin = [{ bearer: [] as string[] }];

const graphRequest = (signed: boolean, method: 'GET' | 'POST'): RouteDoc => ({
  tags: ['images'],
  summary: `${signed ? 'Signed' : 'Unsigned'} image request${method === 'POST' ? ' with the image as the body' : ''}`,
  description: [
    signed
      ? 'The signature covers the graph, extension and every query parameter (docs/signing.md); required once applications are configured.'
      : 'Served in open mode (no application configured) or with IMGFLOW_ALLOW_UNSIGNED=1.',
    '`file` is `<graph>.<ext>` (jpg, jpeg, png, webp, avif, tif, tiff, gif) or `<graph>` alone (format negotiated from Accept). The query carries `input` and the graph\'s parameters: the "graphs" section lists each graph with its own parameters.',
    method === 'POST' ? 'The body is the image (any Content-Type: the format is sniffed from the bytes).' : '',
  ].filter(Boolean).join(' '),
  params: signed ? stringParams('key', 'sig', 'file') : stringParams('file'),
  response: {
    200: image,
    202: json('The graph runs as a job: Location: /jobs/<id>'),
    304: { description: 'Not modified' },
    400: error('Bad parameter or input'),
    403: error('Signature, key or unsigned request refused'),
    404: error('No such graph'),
    429: error('Too many evaluations queued'),
  },
});

/** server/uploads (docs/uploads.md). */
function uploadDocs(): Array<[string, RouteDoc]> {
  const body = { description: 'The image (any Content-Type: the format is sniffed from the bytes); streamed, refused as soon as its size, format or pixel count say no.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
  const set = { type: 'object', properties: { set: { type: 'string', description: 'Variant set (IMGFLOW_UPLOAD_SETS); default: the app\'s default set, else `default`' }, expires: { type: 'integer', description: 'Signed expiry, unix seconds' } } };
  const created = {
    200: json('Same bytes uploaded before, variants already made: nothing new (no job)'),
    201: json('Stored; every variant of the set made: {id, set, original, variants: {name: {url, type, width, height, bytes}}}'),
    202: json('Variants still being made: Location: /jobs/<id>, Retry-After'),
    400: error('Unknown set or parameter, empty body'),
    403: error('Unsigned, badly signed, or the set is not this app\'s'),
    413: error('Body over IMGFLOW_MAX_UPLOAD_BYTES (IMGFLOW_ERR_INPUT_TOO_LARGE)'),
    415: error('Not an accepted image format'),
    422: error('Too many pixels, or no readable header'),
    429: error('Server input bytes in flight, or the job queue, full'),
  };
  const upload = (signed: boolean): RouteDoc => ({
    tags: ['uploads'],
    summary: `${signed ? 'Signed upload' : 'Upload (open mode, IMGFLOW_ALLOW_UNSIGNED=1, or a Bearer token)'}: store an image and make its variant set`,
    description: 'The id is the sha256 of the bytes: the same bytes give the same id and, once made, the same variants without a new job. Waits up to IMGFLOW_UPLOAD_WAIT_SECONDS for the variants (Prefer: respond-async / wait=N as for jobs). ' + (signed ? 'Signature: HMAC-SHA256 over `POST /uploads` + newline + canonical query (docs/uploads.md).' : ''),
    ...(signed ? { params: stringParams('key', 'sig') } : {}),
    querystring: set,
    body,
    response: created,
  });
  const remove = (signed: boolean): RouteDoc => ({
    tags: ['uploads'],
    summary: `Delete an upload's original and variants from the store${signed ? ' (signed by the owning app or an admin app)' : ' (open mode, or a Bearer token of an admin or the owning app)'}`,
    params: signed ? stringParams('key', 'sig', 'id') : stringParams('id'),
    response: { 204: { description: 'Deleted' }, 403: error('Not the owner'), 404: error('No such upload') },
  });
  return [
    ['POST /uploads', upload(false)],
    ['POST /uploads/:key/:sig', upload(true)],
    ['GET /uploads/:id', { tags: ['uploads'], summary: "An upload's manifest: original and the configured sets' variants made so far", params: stringParams('id'), querystring: { type: 'object', properties: { set: { type: 'string', description: 'Only this set\'s variants' } } }, response: { 200: json('{id, original, variants, pending?}: `pending` names, per set still being made, its job (`/jobs/<id>`), state, progress and missing variants'), 400: error('Unknown set'), 404: error('No such upload') } }],
    ['GET /uploads/:id/:variant', { tags: ['uploads'], summary: 'One variant (or `original`) of an upload', description: 'From the upload store, with ETag; `?v=<definition>` (the manifest\'s URLs) names the stored definition and is served with immutable Cache-Control, without it the current definition with no-cache; a 302 to the bucket in redirect mode (IMGFLOW_CACHE_SERVE=redirect).', params: stringParams('id', 'variant'), querystring: { type: 'object', properties: { v: { type: 'string', description: 'The variant\'s definition hash, as in the manifest\'s URLs' } } }, response: { 200: image, 302: { description: 'Redirect mode: the object\'s public URL' }, 304: { description: 'Not modified' }, 404: error('No such upload, variant, or no variant at this v') } }],
    ['DELETE /uploads/:id', remove(false)],
    ['DELETE /uploads/:key/:sig/:id', remove(true)],
  ];
}

export const ROUTE_DOCS: ReadonlyMap<string, RouteDoc> = new Map<string, RouteDoc>([
  ['GET /healthz', { tags: ['operations'], summary: 'Liveness and status', description: 'Version, uptime, graphs, evaluations running and queued, compute threads, auth mode, cache statistics, kernel backend.', response: { 200: json('Status') } }],
  ['GET /metrics', { tags: ['operations'], summary: 'Prometheus metrics', description: 'Off with IMGFLOW_METRICS=false.', response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } }],
  ['GET /graphs', { tags: ['catalogue'], summary: 'Every graph with its parameters', description: 'Type, default, hard range, slider range, enum values and description of each parameter.', response: { 200: json('The catalogue', { type: 'object', properties: { graphs: { type: 'object', additionalProperties: { $ref: '#/components/schemas/GraphInfo' } } } }) } }],
  ['GET /graphs/:name', { tags: ['catalogue'], summary: "One graph's entry", params: stringParams('name'), response: { 200: json('The graph', { $ref: '#/components/schemas/GraphInfo' }), 404: error('No such graph') } }],
  ['GET /graph/:file', graphRequest(false, 'GET')],
  ['POST /graph/:file', graphRequest(false, 'POST')],
  ['GET /graph/:key/:sig/:file', graphRequest(true, 'GET')],
  ['POST /graph/:key/:sig/:file', graphRequest(true, 'POST')],
  ['GET /jobs/:id', { tags: ['jobs'], summary: "A job's status", description: 'State (queued, processing, succeeded, failed with a coded error), progress 0..1 with the current stage, position in the queue, estimated seconds left, and the image URL that serves the result (docs/jobs.md).', params: stringParams('id'), response: { 200: json('The status'), 404: error('Unknown or expired job'), 503: error('Job queue unavailable') } }],
  ['GET /jobs/:id/events', { tags: ['jobs'], summary: "A job's status as Server-Sent Events", description: 'One event per change, named after the state, with the status as data; the stream ends with succeeded or failed.', params: stringParams('id'), response: { 200: { description: 'Event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 404: error('Unknown or expired job') } }],
  ...uploadDocs(),
  ['GET /admin/apps', { tags: ['admin'], security: admin, summary: 'List applications', description: 'An app token sees only its own app.', response: { 200: json('Applications'), 401: error('No or bad token') } }],
  ['GET /admin/apps/:key', { tags: ['admin'], security: admin, summary: 'One application', params: stringParams('key'), response: { 200: json('The application'), 403: error('Another app'), 404: error('No such app') } }],
  ['POST /admin/apps', { tags: ['admin'], security: admin, summary: 'Add an application (admin)', description: 'Answers its secrets, the only time they leave the server.', body: { type: 'object', additionalProperties: true }, response: { 201: json('The new application with its secrets'), 400: error('Bad application'), 403: error('Not an admin token') } }],
  ['PATCH /admin/apps/:key', { tags: ['admin'], security: admin, summary: 'Change an application (admin)', description: 'enabled, quota, secrets, imgfloCompat...', params: stringParams('key'), body: { type: 'object', additionalProperties: true }, response: { 200: json('The application'), 404: error('No such app') } }],
  ['POST /admin/apps/:key/disable', { tags: ['admin'], security: admin, summary: 'Disable an application (admin)', params: stringParams('key'), response: { 200: json('The application') } }],
  ['POST /admin/apps/:key/enable', { tags: ['admin'], security: admin, summary: 'Enable an application (admin)', params: stringParams('key'), response: { 200: json('The application') } }],
  ['PUT /admin/graphs/:name', { tags: ['admin'], security: admin, summary: 'Upload or replace a graph (admin)', description: 'FBP JSON (application/json) or .fbp text (text/plain); compiled before it is saved.', params: stringParams('name'), response: { 200: json('Replaced'), 201: json('Created'), 400: error('The graph does not compile') } }],
  ['DELETE /admin/graphs/:name', { tags: ['admin'], security: admin, summary: 'Delete a graph (admin)', params: stringParams('name'), response: { 204: { description: 'Deleted' }, 404: error('No such graph') } }],
  ['POST /admin/purge', { tags: ['admin'], security: admin, summary: 'Purge cached results', description: '{"graph": name} (admin) or {"url": image URL} (admin, or the app whose key signed it).', body: { type: 'object', properties: { graph: { type: 'string' }, url: { type: 'string' } } }, response: { 200: json('What was purged'), 400: error('Neither graph nor url') } }],
]);

export const COMPONENT_SCHEMAS: Record<string, Schema> = {
  Error: {
    type: 'object',
    description: 'Every error: a machine-readable code (docs/errors.md) and details such as the parameter at fault.',
    required: ['statusCode', 'code', 'error', 'message'],
    properties: { statusCode: { type: 'integer' }, code: { type: 'string', example: 'IMGFLOW_ERR_PARAM_INVALID' }, error: { type: 'string' }, message: { type: 'string' } },
    additionalProperties: true,
  },
  GraphInfo: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      revision: { type: 'string' },
      parameters: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            type: { type: 'string', enum: ['int', 'number', 'boolean', 'string', 'color', 'enum', 'image'] },
            description: { type: 'string' },
            default: {},
            min: { type: 'number' },
            max: { type: 'number' },
            uiMin: { type: 'number' },
            uiMax: { type: 'number' },
            values: { type: 'array', items: { type: 'string' } },
            unit: { type: 'string' },
            required: { type: 'boolean' },
          },
        },
      },
    },
    additionalProperties: true,
  },
};
