/**
 * server/autoscale: sizes `imgflow worker` pools on queue depth with guv's model. Also a
 * library: startAutoscale wires the observer (BullMQ), the loop, an actuator and /healthz +
 * /metrics; `imgflow autoscale --config autoscale.yaml` (server/autoscale/main.ts) runs it.
 */
import type { ConnectionOptions } from 'bullmq';
import { createFlyActuator } from './actuators/fly.ts';
import { createFlyApi } from './actuators/fly-api.ts';
import { createHerokuActuator } from './actuators/heroku.ts';
import { createLocalProcessActuator, type LocalProcessOptions } from './actuators/local-processes.ts';
import { createPrometheusActuator } from './actuators/prometheus.ts';
import type { Actuator } from './actuators/types.ts';
import type { AutoscaleConfig } from './config.ts';
import { startAutoscaleHttp } from './http.ts';
import { createAutoscaler, type Autoscaler } from './loop.ts';
import { createQueueObserver, type QueueObserver } from './observe.ts';

export { AutoscaleConfigError, loadAutoscaleConfig, parseAutoscaleConfig, type AutoscaleConfig, type RoleConfig } from './config.ts';
export { estimateWorkers, ScaleDownWindow } from './formula.ts';
export type { Actuator } from './actuators/types.ts';
export type { Autoscaler, RoleStatus } from './loop.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface AutoscaleOptions {
  config: AutoscaleConfig;
  redis: ConnectionOptions;
  /** IMGFLOW_REDIS_PREFIX of the deployment. */
  prefix: string;
  log: Logger;
  version: string;
  /** The heroku actuator's token (IMGFLOW_HEROKU_API_KEY). */
  herokuToken?: string;
  /** The fly actuator's Machines API token (IMGFLOW_FLY_API_TOKEN). */
  flyToken?: string;
  /** local actuator: environment, stdio and cwd of the workers. */
  local?: Pick<LocalProcessOptions, 'env' | 'stdio' | 'cwd'>;
  /** Another actuator than the config's. */
  actuator?: Actuator;
}

export interface RunningAutoscale {
  autoscaler: Autoscaler;
  actuator: Actuator;
  /** Port of /healthz and /metrics. */
  port: number;
  /** Stops polling, stops local workers gracefully, closes connections. */
  close(): Promise<void>;
}

export function createActuator(opts: AutoscaleOptions, observer: QueueObserver): Actuator {
  const consumers = async (queue: string) => (await observer.observe(queue)).consumers;
  const { config } = opts;
  switch (config.actuator) {
    case 'heroku':
      if (!opts.herokuToken) throw new Error('the heroku actuator needs IMGFLOW_HEROKU_API_KEY (a token from `heroku authorizations:create`)');
      return createHerokuActuator({ app: config.heroku.app!, token: opts.herokuToken, baseUrl: config.heroku.baseUrl });
    case 'fly': {
      if (!opts.flyToken) throw new Error('the fly actuator needs IMGFLOW_FLY_API_TOKEN (a token from `fly tokens create deploy -a <app>`)');
      const api = createFlyApi({
        baseUrl: config.fly.baseUrl, app: config.flyApp!, token: opts.flyToken,
        onRetry: (r) => opts.log.warn(r, 'fly API call failed: retrying'),
      });
      return createFlyActuator({
        api, app: config.flyApp!, settings: config.fly, stopTimeoutSeconds: config.stopTimeoutSeconds, log: opts.log,
        ready: async (role, id) => (await observer.heartbeat(role.queue, id))?.queues.includes(role.queue) ?? false,
      });
    }
    case 'prometheus':
      return createPrometheusActuator((role) => consumers(role.queue));
    case 'local':
      return createLocalProcessActuator({
        ...(config.command ? { command: config.command } : {}),
        ...opts.local,
        stopTimeoutMs: config.stopTimeoutSeconds * 1000,
        restartDelayMs: config.restartDelaySeconds * 1000,
        log: opts.log,
      });
  }
}

export async function startAutoscale(opts: AutoscaleOptions): Promise<RunningAutoscale> {
  const observer = createQueueObserver(opts.redis, opts.prefix, opts.config.samples);
  const actuator = opts.actuator ?? createActuator(opts, observer);
  const autoscaler = createAutoscaler({ config: opts.config, observer, actuator, log: opts.log });
  const http = await startAutoscaleHttp(opts.config.host, opts.config.port, autoscaler, actuator, opts.version);
  autoscaler.start();
  opts.log.info({ actuator: actuator.kind, roles: opts.config.roles.map((r) => r.name), pollSeconds: opts.config.pollSeconds, historySeconds: opts.config.historySeconds, port: http.port }, 'autoscaler ready');
  return {
    autoscaler,
    actuator,
    port: http.port,
    async close() {
      await autoscaler.stop();
      await actuator.close();
      await http.close();
      await observer.close();
    },
  };
}
