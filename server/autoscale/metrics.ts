/**
 * The autoscaler's Prometheus metrics, per queue, in the text format server/metrics.ts writes
 * (no client library in the project). imgflow_desired_workers is the gauge a Kubernetes
 * scaler acts on (README "Autoscaling": the KEDA ScaledObject).
 */
import type { Autoscaler } from './loop.ts';

export function renderAutoscaleMetrics(status: ReturnType<Autoscaler['status']>): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number | undefined]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) if (value !== undefined) lines.push(`${name}${labels} ${value}`);
  };
  const roles = status.roles;
  // Queue names are checked against a-z 0-9 - when the config is read: safe as label values.
  const q = (queue: string, extra = '') => `{queue="${queue}"${extra}}`;
  metric('imgflow_queue_jobs', 'gauge', 'Jobs of the queue by state, as the autoscaler last saw them.',
    roles.flatMap((r) => [[q(r.queue, ',state="waiting"'), r.waiting], [q(r.queue, ',state="active"'), r.active]] as Array<[string, number]>));
  metric('imgflow_queue_consumers', 'gauge', 'Worker connections consuming the queue (BullMQ).', roles.map((r) => [q(r.queue), r.consumers]));
  metric('imgflow_queue_processing_seconds', 'gauge', 'Processing time of the queue\'s recently completed jobs: mean and standard deviation.',
    roles.filter((r) => r.processing.source === 'measured').flatMap((r) => [[q(r.queue, ',stat="mean"'), r.processing.mean], [q(r.queue, ',stat="stddev"'), r.processing.stddev]] as Array<[string, number | undefined]>));
  metric('imgflow_queue_processing_samples', 'gauge', 'Completed jobs the processing time was measured from (0: the configured time is used).', roles.map((r) => [q(r.queue), r.processing.samples]));
  metric('imgflow_queue_deadline_seconds', 'gauge', 'Configured deadline of the queue\'s jobs.', roles.map((r) => [q(r.queue), r.deadline]));
  metric('imgflow_autoscale_estimate_workers', 'gauge', 'Workers guv\'s model asks for at the last poll (before the scale-down window).', roles.map((r) => [q(r.queue), r.estimate]));
  metric('imgflow_desired_workers', 'gauge', 'Workers the autoscaler wants for the queue: the highest estimate of the scale-down window.', roles.map((r) => [q(r.queue), r.desired]));
  metric('imgflow_current_workers', 'gauge', 'Workers the actuator reports running for the queue.', roles.map((r) => [q(r.queue), r.current]));
  metric('imgflow_autoscale_polls_total', 'counter', 'Polls of the queues since start.', [['', status.polls]]);
  return `${lines.join('\n')}\n`;
}
