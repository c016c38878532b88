/**
 * OpenAPI 3 for every HTTP route (@fastify/swagger collects them as they are registered, so
 * register this first), browsable at /docs (@fastify/swagger-ui, its assets served from the
 * package: no CDN) and as JSON at /docs/json. Each graph gets its own path with the parameters
 * the runtime validates (graph-paths.ts), rebuilt whenever the document is served.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime/index.ts';
import { version } from '../version.ts';
import { graphPaths } from './graph-paths.ts';
import { COMPONENT_SCHEMAS, ROUTE_DOCS } from './route-docs.ts';

export const DOCS_PREFIX = '/docs';

export interface RegisteredRoute { method: string; url: string; hidden: boolean }

/** Every route registered after this plugin, per app: what the document must cover (the spec checks it). */
const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registered.get(app) ?? [];
}

export async function openapiPlugin(app: FastifyInstance, opts: { runtime: Runtime }): Promise<void> {
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      routes.push({ method, url: route.url, hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true });
    }
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'imgflow',
        version,
        description: 'Image processing by dataflow graphs. Every graph is a URL: `/graph/<graph>.<ext>?input=<url>&<parameters>` (the "graphs" section lists each one with its parameters). Errors are JSON with a machine-readable `code`. A playground is at `/`.',
      },
      tags: [
        { name: 'graphs', description: 'One entry per graph, with the parameters it takes (generated from the graph catalogue)' },
        { name: 'images', description: 'The generic image routes, signed and unsigned' },
        { name: 'catalogue', description: 'Graphs and their parameters as JSON' },
        { name: 'jobs', description: 'Heavy graphs run as jobs: status, progress and events' },
        { name: 'uploads', description: 'Uploaded originals and their variant sets (webp, avif, jpeg, png thumbnail by default)' },
        { name: 'playground', description: 'The web page at / and what it calls' },
        { name: 'admin', description: 'Applications, graphs and cache purges (bearer JWT)' },
        { name: 'operations', description: 'Health and metrics' },
      ],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        schemas: COMPONENT_SCHEMAS,
      },
    },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const doc = ROUTE_DOCS.get(`${methods[0]} ${url}`);
      // A route's own schema wins over the table; the table only fills in.
      return { schema: doc ? { ...doc, ...schema } : schema, url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { docExpansion: 'list', deepLinking: true, tryItOutEnabled: false },
    transformSpecification: (spec) => {
      const s = spec as { paths?: Record<string, unknown> };
      return { ...s, paths: { ...graphPaths(opts.runtime), ...s.paths } };
    },
  });
}
// Not encapsulated: swagger's onRoute hook must see the routes registered beside it.
(openapiPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
