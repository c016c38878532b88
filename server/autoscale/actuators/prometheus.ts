/**
 * Acts through the gauge only: the autoscaler publishes imgflow_desired_workers{queue} at
 * /metrics and something else (KEDA's Prometheus scaler, a HorizontalPodAutoscaler on an
 * external metric) sets the replicas. The current count is what BullMQ sees consuming the queue.
 */
import type { RoleConfig } from '../config.ts';
import type { Actuator } from './types.ts';

export function createPrometheusActuator(consumers: (role: RoleConfig) => Promise<number>): Actuator {
  return {
    kind: 'prometheus',
    converges: false,
    async scale() { /* the gauge is the action: /metrics reads the decision */ },
    current: (role) => consumers(role),
    describe: () => ({ gauge: 'imgflow_desired_workers' }),
    async close() {},
  };
}
