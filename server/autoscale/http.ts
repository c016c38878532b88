/** The autoscaler's own /healthz (JSON, per queue) and /metrics, on the port from autoscale.yaml. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Actuator } from './actuators/types.ts';
import type { Autoscaler } from './loop.ts';
import { renderAutoscaleMetrics } from './metrics.ts';

export interface AutoscaleHttp {
  port: number;
  close(): Promise<void>;
}

export function autoscaleHealth(autoscaler: Autoscaler, actuator: Actuator, started: number, version: string) {
  const s = autoscaler.status();
  const queues: Record<string, unknown> = Object.create(null);
  for (const r of s.roles) queues[r.queue] = r;
  return {
    status: s.roles.some((r) => r.error) ? 'degraded' : 'ok',
    version,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    actuator: { kind: actuator.kind, ...actuator.describe() },
    polls: s.polls,
    lastPollAt: s.lastPollAt ? new Date(s.lastPollAt).toISOString() : null,
    queues,
  };
}

export async function startAutoscaleHttp(host: string, port: number, autoscaler: Autoscaler, actuator: Actuator, version: string): Promise<AutoscaleHttp> {
  const started = Date.now();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      const body = autoscaleHealth(autoscaler, actuator, started, version);
      // Degraded (Redis or the platform API unreachable) still answers 200: the autoscaler is alive.
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(renderAutoscaleMetrics(autoscaler.status()));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 404, code: 'IMGFLOW_ERR_NOT_FOUND' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
