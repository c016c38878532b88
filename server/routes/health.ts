/** GET /healthz: liveness plus what an operator needs at a glance. */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime/index.ts';

export interface HealthOptions {
  runtime: Runtime;
  version: string;
  /** Extra sections (kernel backend, cache...) added by whoever owns them. */
  sections?: () => Record<string, unknown>;
}

export async function healthRoutes(app: FastifyInstance, opts: HealthOptions): Promise<void> {
  const started = Date.now();
  app.get('/healthz', async () => ({
    status: 'ok',
    version: opts.version,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    graphs: opts.runtime.store.list().length,
    evaluations: { active: opts.runtime.limiter.active, loading: opts.runtime.limiter.loading, queued: opts.runtime.limiter.queued },
    compute: opts.runtime.compute?.stats() ?? { threads: 0 },
    ...opts.sections?.(),
  }));
}
