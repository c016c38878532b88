/**
 * The job interface both engines implement: the embedded one (a queue inside the server
 * process) and BullMQ (Redis; `imgflow worker` processes consume). Routes see only this.
 */
import type { OutputFormat, Params } from '../../operations/define.ts';
import type { RawParams } from '../../runtime/params.ts';

export type JobState = 'queued' | 'processing' | 'succeeded' | 'failed';

/** What a job carries: the canonical request, enough for any worker to compute the result. */
export interface JobSpec {
  /** `<queue>.<hash>`: derived from the cache key (server/jobs/job-id.ts). */
  id: string;
  queue: string;
  /** Cache key of the result: the worker checks it before and stores under it after. */
  key: string;
  graph: string;
  /** Effective graph revision the key was computed with; a worker with another one refuses. */
  revision: string;
  /** The request's query, as sent (the worker coerces it again against the same revision). */
  query: RawParams;
  /** The parameters as coerced by the web process: what the cache key was computed from. */
  params: Params;
  /** A POSTed input, base64. */
  body?: string;
  format: OutputFormat;
  /** A negotiated request's format for a result with transparency (PNG rather than JPEG). */
  alphaFormat?: OutputFormat;
  /** The image URL: where the result is served once done (GET it again). */
  url: string;
  /** Key of the app that signed the request (callbacks are signed with its secret). */
  app?: string;
  /** Completion notices go there (POST JSON). */
  callbacks?: string[];
  createdAt: number;
  /** An upload's variants to make (server/uploads): the job evaluates these instead of `graph`. */
  upload?: UploadJobSpec;
}

/** Enough for any worker to make an upload's variants: the original is read from the upload store. */
export interface UploadJobSpec {
  /** The upload id (sha256 of the original). */
  id: string;
  set: string;
  variants: Array<{ name: string; graph: string; format: OutputFormat; params: Record<string, string | number | boolean>; spec: string }>;
}

export interface JobError {
  code: string;
  statusCode: number;
  message: string;
}

export interface JobStatus {
  id: string;
  state: JobState;
  queue: string;
  graph: string;
  /** 0..1 */
  progress: number;
  /** What the evaluation reported last: stage i of n, or a node's octave and iteration. */
  stage?: Record<string, unknown>;
  /** Jobs ahead of this one while queued (0: next). */
  position?: number;
  /** Estimated seconds until done, from measured durations of this queue's jobs. */
  etaSeconds?: number;
  /** Set when failed. */
  error?: JobError;
  /** The image URL (GET it: the result once succeeded). */
  result: string;
  attempts: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export function isFinished(status: JobStatus | undefined): boolean {
  return status?.state === 'succeeded' || status?.state === 'failed';
}

export interface JobQueue {
  readonly engine: 'embedded' | 'bullmq';
  /**
   * Queues the job unless a job with its id is queued or running: then that one's status comes
   * back and nothing new starts. A finished one is run again (callers submit on a cache miss, so
   * its result is gone or it failed; a run that finds the result stored evaluates nothing).
   * Rejects with IMGFLOW_ERR_QUEUE_UNAVAILABLE (503) when the queue cannot be reached.
   */
  submit(spec: JobSpec): Promise<JobStatus>;
  get(id: string): Promise<JobStatus | undefined>;
  /** Resolves when the job finishes, or with its status then after `ms`. */
  waitFor(id: string, ms: number, signal?: AbortSignal): Promise<JobStatus | undefined>;
  /** Calls `listener` on every change (state, progress) in order; returns the unsubscribe. */
  watch(id: string, listener: (status: JobStatus) => void): Promise<() => void>;
  /** Health section. */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}
