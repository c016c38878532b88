/**
 * One OpenAPI path per graph, built from runtime.describe() each time the document is served:
 * a graph added, edited or deleted (files, admin API, Flowhub) shows up at once, and the
 * documented parameters are the ones the runtime validates.
 */
import type { GraphParameterInfo, Runtime } from '../../runtime/index.ts';
import { nullRecord } from '../../runtime/own-keys.ts';
import { extensions } from '../formats.ts';

type Schema = Record<string, unknown>;

/** JSON Schema of one graph parameter, with the slider range as x-ui-minimum/x-ui-maximum. */
export function parameterSchema(p: GraphParameterInfo): Schema {
  const s: Schema = {};
  switch (p.type) {
    case 'int': s.type = 'integer'; break;
    case 'number': s.type = 'number'; break;
    case 'boolean': s.type = 'boolean'; break;
    case 'enum': s.type = 'string'; s.enum = [...(p.values ?? [])]; break;
    case 'image': s.type = 'string'; s.format = 'uri'; break;
    case 'color': s.type = 'string'; s.format = 'color'; break;
    default: s.type = 'string';
  }
  if (p.min !== undefined) s.minimum = p.min;
  if (p.max !== undefined) s.maximum = p.max;
  if (p.uiMin !== undefined) s['x-ui-minimum'] = p.uiMin;
  if (p.uiMax !== undefined) s['x-ui-maximum'] = p.uiMax;
  if (p.default !== undefined) s.default = p.default;
  if (p.unit) s['x-unit'] = p.unit;
  return s;
}

function describeParameter(p: GraphParameterInfo): string {
  const notes = [p.description];
  if (p.type === 'color') notes.push('Colour: #rgb, #rgba, #rrggbb, #rrggbbaa or a CSS name (percent-encode # as %23).');
  if (p.type === 'image') notes.push('URL of a secondary image, fetched like `input`.');
  if (p.unit) notes.push(`Unit: ${p.unit}.`);
  return notes.join(' ');
}

const IMAGE_CONTENT = Object.fromEntries(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/tiff', 'image/gif'].map((t) => [t, { schema: { type: 'string', format: 'binary' } }]));

const ERROR = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** `/graph/<name>.{ext}` for every graph that compiles; a broken graph is listed with its problem. */
export function graphPaths(runtime: Runtime): Record<string, Schema> {
  // Keys carry graph names, which users choose.
  const paths = nullRecord<Schema>();
  for (const entry of runtime.store.list()) {
    let info;
    try {
      info = runtime.describe(entry.name);
    } catch (err) {
      paths[`/graph/${entry.name}.{ext}`] = { get: { tags: ['graphs'], summary: `${entry.name} (does not compile)`, description: (err as Error).message, responses: { 400: ERROR('The graph does not compile') } } };
      continue;
    }
    const parameters = [
      { name: 'ext', in: 'path', required: true, description: 'Output format', schema: { type: 'string', enum: extensions } },
      { name: 'input', in: 'query', required: false, description: 'URL of the image to process (http or https). With POST the request body is the image instead.', schema: { type: 'string', format: 'uri' } },
      ...info.parameters.map((p) => ({
        name: p.name,
        in: 'query',
        required: p.required === true,
        description: describeParameter(p),
        schema: parameterSchema(p),
      })),
      { name: 'expires', in: 'query', required: false, description: 'Signed URLs only: unix time after which the URL is refused (covered by the signature).', schema: { type: 'integer', minimum: 0 } },
    ];
    const responses = {
      200: { description: 'The processed image', headers: { ETag: { schema: { type: 'string' } }, 'X-Cache': { schema: { type: 'string', enum: ['hit', 'miss'] } } }, content: IMAGE_CONTENT },
      202: { description: 'Graphs that run as jobs: accepted, with Location: /jobs/<id> (sooner with Prefer: respond-async)' },
      304: { description: 'Not modified (If-None-Match matched the ETag)' },
      400: ERROR('A parameter is unknown, of the wrong type or out of range, or the input is not an image'),
      403: ERROR('Unsigned requests are refused: this server requires signed URLs (/graph/<key>/<signature>/<graph>.<ext>)'),
      429: ERROR('Too many evaluations queued'),
    };
    const description = `${info.description}\n\nRevision \`${info.revision}\`. Signed form: \`/graph/<key>/<signature>/${info.name}.<ext>?...\` (see docs/signing.md).`;
    paths[`/graph/${info.name}.{ext}`] = {
      get: { tags: ['graphs'], operationId: `graph_${info.name}_get`, summary: info.description || info.name, description, parameters, responses },
      post: {
        tags: ['graphs'],
        operationId: `graph_${info.name}_post`,
        summary: `${info.name} on a posted image`,
        description: `${description}\n\nThe request body is the image (any Content-Type: the format is sniffed from the bytes).`,
        parameters: parameters.filter((p) => p.name !== 'input'),
        requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } }, ...IMAGE_CONTENT } },
        responses,
      },
    };
  }
  return paths;
}
