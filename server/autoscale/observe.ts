/**
 * What the autoscaler sees of a queue, through BullMQ's public API: jobs waiting and running,
 * worker connections, and how long recently completed jobs took (processedOn to finishedOn).
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { readHeartbeat, type Heartbeat, type HeartbeatCommands } from '../jobs/heartbeat.ts';

export interface ProcessingTime {
  /** Seconds. */
  mean: number;
  /** Sample standard deviation (s); undefined with a single sample. */
  stddev?: number;
  samples: number;
}

export interface QueueObservation {
  queue: string;
  /** Waiting jobs, prioritized ones included. */
  waiting: number;
  active: number;
  /** Worker connections BullMQ knows of (one per `imgflow worker` process consuming the queue). */
  consumers: number;
  /** Undefined until a job has completed. */
  processing?: ProcessingTime;
}

/** Mean and sample deviation of durations in ms, in seconds. */
export function processingTime(durationsMs: number[]): ProcessingTime | undefined {
  const n = durationsMs.length;
  if (n === 0) return undefined;
  const mean = durationsMs.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? durationsMs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : undefined;
  return { mean: mean / 1000, ...(variance !== undefined ? { stddev: Math.sqrt(variance) / 1000 } : {}), samples: n };
}

export interface QueueObserver {
  observe(queue: string): Promise<QueueObservation>;
  /** The ready heartbeat of worker `id` (server/jobs/heartbeat.ts), read through the queue's connection. */
  heartbeat(queue: string, id: string): Promise<Heartbeat | undefined>;
  close(): Promise<void>;
}

/**
 * `samples`: how many of the latest completed jobs are read. BullMQ returns whole jobs, data
 * included, so this stays small.
 */
export function createQueueObserver(connection: ConnectionOptions, prefix: string, samples: number): QueueObserver {
  const queues = new Map<string, Queue>();
  const queueFor = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix });
      q.on('error', () => { /* a failed observe rejects; the loop logs it */ });
      queues.set(name, q);
    }
    return q;
  };
  return {
    async observe(name) {
      const q = queueFor(name);
      const [counts, consumers, done] = await Promise.all([
        q.getJobCounts('waiting', 'prioritized', 'active'),
        q.getWorkersCount(),
        q.getJobs(['completed'], 0, samples - 1, false),
      ]);
      const durations = done.filter((j) => j.processedOn && j.finishedOn).map((j) => j.finishedOn! - j.processedOn!);
      const processing = processingTime(durations);
      return { queue: name, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, consumers, ...(processing ? { processing } : {}) };
    },
    async heartbeat(name, id) {
      return readHeartbeat((await queueFor(name).client) as unknown as HeartbeatCommands, prefix, id);
    },
    async close() {
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
    },
  };
}
