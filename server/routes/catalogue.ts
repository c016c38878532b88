/** GET /graphs: every graph with its parameters (type, default, range, description). */
import type { FastifyInstance } from 'fastify';
import { nullRecord, type GraphInfo, type Runtime } from '../../runtime/index.ts';

export async function catalogueRoutes(app: FastifyInstance, opts: { runtime: Runtime }): Promise<void> {
  const { runtime } = opts;
  app.get('/graphs', async () => {
    const graphs = nullRecord<GraphInfo | { name: string; error: string }>();
    for (const entry of runtime.store.list()) {
      try {
        graphs[entry.name] = runtime.describe(entry.name);
      } catch (err) {
        // One broken graph must not hide the others; it is listed with its problem.
        graphs[entry.name] = { name: entry.name, error: (err as Error).message };
      }
    }
    return { graphs };
  });
  app.get('/graphs/:name', async (request) => runtime.describe((request.params as { name: string }).name));
}
