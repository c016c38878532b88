/**
 * The one place that reads process.env. Every setting is declared once below (env name,
 * type, default, limits, description); the README's table is checked against this list in
 * spec/server/config.spec.ts. Bad values stop the server at start with every problem listed.
 */
import { availableParallelism, cpus } from 'node:os';
import { resolve } from 'node:path';
import { errors } from '../runtime/errors.ts';
import { allowlistProblems } from './input/host-allowlist.ts';
import { parseClassOverrides, QUEUE_NAME, type WorkClassOptions } from '../runtime/work-class.ts';
import { MAX_TIMER_SECONDS } from './timer-limit.ts';

type Kind = 'int' | 'number' | 'boolean' | 'string' | 'enum';

interface Setting {
  env: string;
  kind: Kind;
  default: string | number | boolean | undefined;
  /** The README's words for a default that depends on the machine or on another setting. */
  defaultText?: string;
  description: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

const MiB = 1024 * 1024;

/** Declared in README order. Units are in the names or the descriptions. */
export const settings = {
  port: { env: 'PORT', kind: 'int', default: 8080, min: 0, max: 65535, description: 'HTTP port' },
  host: { env: 'IMGFLOW_HOST', kind: 'string', default: '0.0.0.0', description: 'Address to listen on' },
  graphsDir: { env: 'IMGFLOW_GRAPHS_DIR', kind: 'string', default: 'graphs', description: 'Directory of graph files (.json, .fbp); also where Flowhub and the admin API save' },
  cacheDir: { env: 'IMGFLOW_CACHE_DIR', kind: 'string', default: '.cache/results', description: 'Directory of the disk result cache' },
  allowPrivateSources: { env: 'IMGFLOW_ALLOW_PRIVATE_SOURCES', kind: 'boolean', default: false, description: 'Let input URLs reach loopback and private addresses (tests, trusted networks only)' },
  allowedSourceHosts: { env: 'IMGFLOW_ALLOWED_SOURCE_HOSTS', kind: 'string', default: undefined, description: 'Hosts input and image-parameter URLs (and every redirect hop) may name, comma-separated: `images.example.com` exact, `*.example.com` any subdomain; any port; case-insensitive. Unset or blank: any host. Narrows, never widens, the private-address rule' },
  fetchTimeoutMs: { env: 'IMGFLOW_FETCH_TIMEOUT_MS', kind: 'int', default: 10000, min: 100, max: 600000, description: 'Total time to fetch an input, redirects included (ms)' },
  maxInputBytes: { env: 'IMGFLOW_MAX_INPUT_BYTES', kind: 'int', default: 25 * MiB, min: 1024, max: 2 ** 31 - 1, description: 'Largest input accepted, in bytes: fetched, POSTed, or chained (another graph\'s output, imgflo style)' },
  maxInputPixels: { env: 'IMGFLOW_MAX_INPUT_PIXELS', kind: 'int', default: 50_000_000, min: 1, max: 2 ** 31 - 1, description: 'Largest input width x height (x frames), checked from the header before decoding' },
  maxOutputPixels: { env: 'IMGFLOW_MAX_OUTPUT_PIXELS', kind: 'int', default: 25_000_000, min: 1, max: 2 ** 31 - 1, description: 'Largest width x height of an output, computed from the graph and the input\'s header before any work; images made on the way may reach the larger of this and IMGFLOW_MAX_INPUT_PIXELS' },
  maxConcurrentFetches: { env: 'IMGFLOW_MAX_CONCURRENT_FETCHES', kind: 'int', default: 16, min: 1, max: 10000, description: 'Input downloads running at once, server-wide; more wait for one to end (a request is admitted, with a place or a place in the queue, before it downloads anything)' },
  maxFetchBytesInFlight: { env: 'IMGFLOW_MAX_FETCH_BYTES_IN_FLIGHT', kind: 'int', default: 512 * MiB, min: 1024, max: 2 ** 48, description: 'Input bytes held at once, server-wide: downloads in progress, POSTed bodies and inputs waiting for their evaluation; past it, 429 (at least IMGFLOW_MAX_INPUT_BYTES and IMGFLOW_MAX_UPLOAD_BYTES)' },
  maxRedirects: { env: 'IMGFLOW_MAX_REDIRECTS', kind: 'int', default: 3, min: 0, max: 20, description: 'Redirects followed when fetching an input (each one re-checked)' },
  maxChainDepth: { env: 'IMGFLOW_MAX_CHAIN_DEPTH', kind: 'int', default: 2, min: 0, max: 10, description: "How deep imgflo's chained requests nest: an input that is a path on this server (graph/<key>/<token>/<graph>.jpg?...) is answered in-process; 0 refuses them" },
  processingTimeoutMs: { env: 'IMGFLOW_PROCESSING_TIMEOUT_MS', kind: 'int', default: 30000, min: 1000, max: 3600000, description: 'Longest a graph evaluation may run (ms)' },
  concurrency: { env: 'IMGFLOW_CONCURRENCY', kind: 'int', defaultText: '2 x CPU count', default: 2 * cpus().length, min: 1, max: 1024, description: 'Graph evaluations running at once (default: twice the CPU count; on 2 cores, 4 gave 9% more uncached req/s than 2 on a quiet machine and 42% more beside two CPU-bound processes, 6 and 8 no more than 4 unless UV_THREADPOOL_SIZE grows with them: 8 with 12 libuv threads took 21% more beside CPU-bound processes, by taking their CPU: bench/README.md)' },
  computeThreads: { env: 'IMGFLOW_COMPUTE_THREADS', kind: 'int', defaultText: 'CPU count', default: Math.max(1, availableParallelism()), min: 0, max: 256, description: 'Worker threads running the CPU-heavy JavaScript stages (kernels, pixel operations, DeepDream) off the event loop (default: CPU count); 0 runs them on the event loop, which stalls every other request while they run' },
  computeCancelWaitMs: { env: 'IMGFLOW_COMPUTE_CANCEL_WAIT_MS', kind: 'int', default: 30000, min: 100, max: 3600000, description: 'How long an aborted DeepDream (time limit, client gone, shutdown) may take to stop at its next step before its caller gets the error anyway (ms); its thread is never terminated mid-step (onnxruntime-node would abort the process) but left to finish, and shutdown waits this long before ending the threads' },
  vipsThreads: { env: 'IMGFLOW_VIPS_THREADS', kind: 'int', default: undefined, min: 1, max: 1024, description: "Threads libvips gives each sharp pipeline (sharp.concurrency); default: sharp's own choice, 1 on glibc Linux unless MALLOC_ARENA_MAX is set, else the CPU count (table with IMGFLOW_CONCURRENCY: bench/README.md)" },
  maxQueue: { env: 'IMGFLOW_MAX_QUEUE', kind: 'int', default: 64, min: 0, max: 100000, description: 'Requests waiting beyond IMGFLOW_CONCURRENCY + IMGFLOW_FETCH_AHEAD before downloading anything; more get 429' },
  fetchAhead: { env: 'IMGFLOW_FETCH_AHEAD', kind: 'int', defaultText: '`IMGFLOW_CONCURRENCY`', default: undefined, min: 0, max: 100000, description: 'Requests that may download their inputs while every evaluation slot is busy, so a slot never waits on the network (default: IMGFLOW_CONCURRENCY; 0: a request downloads only once it has a slot)' },
  maxNodes: { env: 'IMGFLOW_MAX_NODES', kind: 'int', default: 200, min: 1, max: 100000, description: 'Most nodes a graph may have (subgraphs inlined); HTTP, the admin API and Flowhub edits refuse more alike' },
  maxGraphBytes: { env: 'IMGFLOW_MAX_GRAPH_BYTES', kind: 'int', default: MiB, min: 1024, max: 2 ** 31 - 1, description: 'Largest graph as compact JSON (bytes: edges, initial values and metadata count); enforced like IMGFLOW_MAX_NODES' },
  graphSaveDelayMs: { env: 'IMGFLOW_GRAPH_SAVE_DELAY_MS', kind: 'int', default: 100, min: 0, max: 10000, description: 'Flowhub edits are served at once and written to the graph file within this time: a burst of edits becomes one write per interval (ms)' },
  cacheMaxAgeSeconds: { env: 'IMGFLOW_CACHE_MAX_AGE_SECONDS', kind: 'int', default: 86400, min: 0, max: 31536000, description: 'Cache-Control max-age of processed images (s)' },
  gpu: { env: 'IMGFLOW_GPU', kind: 'enum', default: 'auto', values: ['auto', 'webgpu', 'headlessgl', 'cpu'], description: 'Kernel backend: auto = WebGPU when an adapter is found, else CPU' },
  logLevel: { env: 'IMGFLOW_LOG_LEVEL', kind: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Log level (JSON logs, one line per request)' },
  logHitSampleRate: { env: 'IMGFLOW_LOG_HIT_SAMPLE_RATE', kind: 'number', default: 1, min: 0, max: 1, description: 'Fraction of cache hits and 304s eligible for a request log line of their own (within IMGFLOW_LOG_HITS_PER_SECOND); the rest are counted into the once-a-second summary line (server/request-log.ts)' },
  logHitsPerSecond: { env: 'IMGFLOW_LOG_HITS_PER_SECOND', kind: 'int', default: 10, min: 0, max: 1000000, description: 'Cache hits and 304s per second that get a request log line of their own; past it they are counted into one summary line per second (count, slowest, an example URL). Misses and errors are always logged' },
  // Applications and signing (docs/auth-and-cache.md)
  appsFile: { env: 'IMGFLOW_APPS_FILE', kind: 'string', default: undefined, description: 'JSON file of applications (key, secrets, enabled, admin, quota, imgfloCompat); the admin API saves apps there' },
  appKey: { env: 'IMGFLOW_KEY', kind: 'string', default: undefined, description: 'Key of one application defined by env' },
  appSecret: { env: 'IMGFLOW_SECRET', kind: 'string', default: undefined, description: 'Its secret(s), comma-separated for rotation' },
  adminKey: { env: 'IMGFLOW_ADMIN_KEY', kind: 'string', default: undefined, description: 'Key of an admin application defined by env' },
  adminSecret: { env: 'IMGFLOW_ADMIN_SECRET', kind: 'string', default: undefined, description: 'Its secret(s), comma-separated for rotation' },
  allowUnsigned: { env: 'IMGFLOW_ALLOW_UNSIGNED', kind: 'boolean', default: false, description: 'Serve unsigned /graph/<graph> requests even though applications are configured (with none configured they are always served)' },
  expiresSkewSeconds: { env: 'IMGFLOW_EXPIRES_SKEW_SECONDS', kind: 'int', default: 5, min: 0, max: 3600, description: 'Clock skew tolerated when checking a signed URL\'s expires (s)' },
  // Admin API
  jwtSecret: { env: 'IMGFLOW_JWT_SECRET', kind: 'string', default: undefined, description: 'HS256 secret for admin API tokens (at least 32 characters)' },
  jwtPublicKey: { env: 'IMGFLOW_JWT_PUBLIC_KEY', kind: 'string', default: undefined, description: 'RS256 public key (PEM text, or a path to a PEM file) for admin API tokens' },
  jwtMaxLifetimeSeconds: { env: 'IMGFLOW_JWT_MAX_LIFETIME_SECONDS', kind: 'int', default: 86400, min: 60, max: 31536000, description: 'Admin tokens must carry exp, at most this far from now (s)' },
  // Result cache
  cacheMemoryMaxBytes: { env: 'IMGFLOW_CACHE_MEMORY_MAX_BYTES', kind: 'int', default: 256 * MiB, min: 0, max: 2 ** 48, description: 'Memory tier budget in bytes (0 turns the memory tier off)' },
  cacheMemoryMaxEntryBytes: { env: 'IMGFLOW_CACHE_MEMORY_MAX_ENTRY_BYTES', kind: 'int', default: undefined, min: 1, max: 2 ** 48, description: 'Larger results skip the memory tier (default: an eighth of the budget)' },
  cacheStore: { env: 'IMGFLOW_CACHE_STORE', kind: 'enum', default: 'auto', values: ['auto', 'none', 'disk', 's3'], description: 'Shared tier: disk (under IMGFLOW_CACHE_DIR), s3, or none; auto = s3 when IMGFLOW_S3_BUCKET is set, else disk' },
  cacheDiskMaxBytes: { env: 'IMGFLOW_CACHE_DISK_MAX_BYTES', kind: 'int', default: 1024 * MiB, min: 0, max: 2 ** 48, description: 'Disk store budget in bytes (files under IMGFLOW_CACHE_DIR); least recently used results are deleted past it; 0 = unlimited' },
  cacheDiskMaxAgeSeconds: { env: 'IMGFLOW_CACHE_DISK_MAX_AGE_SECONDS', kind: 'int', default: 0, min: 0, max: 315360000, description: 'Disk store results older than this are deleted (s); 0 = no expiry' },
  cacheServe: { env: 'IMGFLOW_CACHE_SERVE', kind: 'enum', default: 'stream', values: ['stream', 'redirect'], description: 'stream the bytes, or redirect (302) to the S3/CDN URL of the stored result (needs the s3 store)' },
  signedMaxAgeSeconds: { env: 'IMGFLOW_SIGNED_MAX_AGE_SECONDS', kind: 'int', default: 31536000, min: 0, max: 31536000, description: 'Cache-Control max-age of responses to signed URLs, sent with immutable (s)' },
  s3Bucket: { env: 'IMGFLOW_S3_BUCKET', kind: 'string', default: undefined, description: 'S3 bucket of the result cache' },
  s3Prefix: { env: 'IMGFLOW_S3_PREFIX', kind: 'string', default: 'results/', description: 'Key prefix inside the bucket' },
  s3Region: { env: 'IMGFLOW_S3_REGION', kind: 'string', default: 'us-east-1', description: 'S3 region' },
  s3Endpoint: { env: 'IMGFLOW_S3_ENDPOINT', kind: 'string', default: undefined, description: 'Endpoint of an S3-compatible service (default AWS)' },
  s3ForcePathStyle: { env: 'IMGFLOW_S3_FORCE_PATH_STYLE', kind: 'boolean', default: false, description: 'Path-style URLs (<endpoint>/<bucket>/<key>), for MinIO, s3rver...' },
  s3AccessKeyId: { env: 'IMGFLOW_S3_ACCESS_KEY_ID', kind: 'string', default: undefined, description: 'Access key id (default: the AWS SDK credential chain)' },
  s3SecretAccessKey: { env: 'IMGFLOW_S3_SECRET_ACCESS_KEY', kind: 'string', default: undefined, description: 'Secret access key, with IMGFLOW_S3_ACCESS_KEY_ID' },
  s3PublicBaseUrl: { env: 'IMGFLOW_S3_PUBLIC_BASE_URL', kind: 'string', default: undefined, description: 'CDN or website origin in front of the bucket, for redirect mode' },
  s3ConnectTimeoutMs: { env: 'IMGFLOW_S3_CONNECT_TIMEOUT_MS', kind: 'int', default: 1000, min: 10, max: 60000, description: 'S3 connect timeout (ms)' },
  s3RequestTimeoutMs: { env: 'IMGFLOW_S3_REQUEST_TIMEOUT_MS', kind: 'int', default: 5000, min: 10, max: 600000, description: 'S3 whole-request timeout (ms); a failing S3 never fails a request' },
  metrics: { env: 'IMGFLOW_METRICS', kind: 'boolean', default: true, description: 'Serve Prometheus metrics at /metrics' },
  // Flowhub live editing (FBP protocol over WebSocket at /runtime).
  runtimeSecret: { env: 'IMGFLOW_RUNTIME_SECRET', kind: 'string', default: undefined, description: 'Secret giving Flowhub full access (edit, run) at ws://HOST:PORT/runtime; unset: the runtime endpoint is off' },
  runtimeReadSecret: { env: 'IMGFLOW_RUNTIME_READ_SECRET', kind: 'string', default: undefined, description: 'Secret giving read-only access (list components, read graphs)' },
  runtimeId: { env: 'IMGFLOW_RUNTIME_ID', kind: 'string', default: undefined, description: 'Stable runtime id shown in Flowhub (default: derived from the host and port)' },
  runtimeMaxMessageBytes: { env: 'IMGFLOW_RUNTIME_MAX_MESSAGE_BYTES', kind: 'int', default: 32 * MiB, min: 1024, max: 2 ** 31 - 1, description: 'Largest WebSocket message a Flowhub client may send (a sample image rides in one); a larger one closes the connection (bytes)' },
  runtimeMaxPendingMessages: { env: 'IMGFLOW_RUNTIME_MAX_PENDING_MESSAGES', kind: 'int', default: 64, min: 1, max: 100000, description: 'Messages of one Flowhub client waiting to be handled before the runtime stops reading its socket until it catches up' },
  runtimePreviewMemoryBytes: { env: 'IMGFLOW_RUNTIME_PREVIEW_MEMORY_BYTES', kind: 'int', default: 128 * MiB, min: 0, max: 2 ** 48, description: 'Node images the live editor keeps between preview runs, all graphs together, so an edit re-runs only the nodes it changes and those downstream; past it the graphs run least recently give theirs up (0: every run computes every node)' },
  runtimeLabel: { env: 'IMGFLOW_RUNTIME_LABEL', kind: 'string', default: 'imgflow', description: 'Runtime label shown in Flowhub' },
  publicUrl: { env: 'IMGFLOW_PUBLIC_URL', kind: 'string', default: undefined, description: 'Base URL clients reach this server at (for the printed Flowhub link); default http://localhost:PORT' },
  // Jobs: heavy graphs queued and served by the job engine (README "Scaling").
  jobClasses: { env: 'IMGFLOW_JOB_CLASSES', kind: 'string', default: undefined, description: 'Per-graph class overrides, comma-separated: graph=inline or graph=<queue> (e.g. deepdream=inline,thumbnail=heavy)' },
  jobCostThresholdMs: { env: 'IMGFLOW_JOB_COST_THRESHOLD_MS', kind: 'int', default: 5000, min: 1, max: 2 ** 31 - 1, description: 'Graphs whose estimated CPU time exceeds this run as jobs on the heavy queue (ms)' },
  jobCostPixels: { env: 'IMGFLOW_JOB_COST_PIXELS', kind: 'int', default: 2_000_000, min: 1, max: 2 ** 31 - 1, description: 'Input pixels assumed when estimating a graph\'s CPU time' },
  redisUrl: { env: 'IMGFLOW_REDIS_URL', kind: 'string', default: undefined, description: 'Redis URL (redis://host:port/db): jobs go to BullMQ queues served by imgflow worker processes; unset: an embedded queue in the server process' },
  redisPrefix: { env: 'IMGFLOW_REDIS_PREFIX', kind: 'string', default: 'imgflow', description: 'Prefix of every Redis key (one per deployment sharing a Redis)' },
  redisTimeoutMs: { env: 'IMGFLOW_REDIS_TIMEOUT_MS', kind: 'int', default: 2000, min: 50, max: 60000, description: 'Longest a web request waits on Redis before answering 503 IMGFLOW_ERR_QUEUE_UNAVAILABLE (ms)' },
  jobConcurrency: { env: 'IMGFLOW_JOB_CONCURRENCY', kind: 'int', default: 1, min: 1, max: 256, description: 'Jobs evaluated at once per queue by the embedded engine or a worker (separate from IMGFLOW_CONCURRENCY)' },
  jobMaxQueued: { env: 'IMGFLOW_JOB_MAX_QUEUED', kind: 'int', default: 1000, min: 1, max: 1000000, description: 'Jobs waiting in the embedded engine; more get 429' },
  jobWaitSeconds: { env: 'IMGFLOW_JOB_WAIT_SECONDS', kind: 'number', default: 20, min: 0, max: 600, description: 'How long a request for a job-class graph waits for the result before answering 202 with Location: /jobs/<id> (s)' },
  jobTimeoutMs: { env: 'IMGFLOW_JOB_TIMEOUT_MS', kind: 'int', default: 600000, min: 1000, max: 86400000, description: 'Longest a job\'s evaluation may run, checked inside long operations (ms)' },
  jobAttempts: { env: 'IMGFLOW_JOB_ATTEMPTS', kind: 'int', default: 3, min: 1, max: 100, description: 'Attempts per job for transient faults (input fetch 5xx/timeouts, store); bad input fails at once' },
  jobBackoffMs: { env: 'IMGFLOW_JOB_BACKOFF_MS', kind: 'int', default: 2000, min: 0, max: 3600000, description: 'First retry delay, doubled on each attempt (ms)' },
  jobLockMs: { env: 'IMGFLOW_JOB_LOCK_MS', kind: 'int', default: 30000, min: 500, max: 3600000, description: 'A worker holds its job\'s lock this long (renewed while alive); a dead worker\'s job is given to another after it (ms)' },
  jobKeepSeconds: { env: 'IMGFLOW_JOB_KEEP_SECONDS', kind: 'int', default: 86400, min: 1, max: 31536000, description: 'How long finished jobs stay visible at /jobs/<id> (s)' },
  jobSecret: { env: 'IMGFLOW_JOB_SECRET', kind: 'string', default: undefined, description: 'Keys the ids of jobs from unsigned requests (signed requests use the app\'s secret); every web process must share it' },
  workerQueues: { env: 'IMGFLOW_WORKER_QUEUES', kind: 'string', default: 'deepdream,heavy,uploads', description: 'Queues an imgflow worker consumes (comma-separated; --queues overrides)' },
  workerMetricsPort: { env: 'IMGFLOW_WORKER_METRICS_PORT', kind: 'int', default: 9464, min: 0, max: 65535, description: 'Port of a worker\'s /healthz and /metrics' },
  workerShutdownSeconds: { env: 'IMGFLOW_WORKER_SHUTDOWN_SECONDS', kind: 'int', default: 30, min: 0, max: 3600, description: 'On SIGTERM a worker finishes its jobs for this long, then hands the rest back to the queue (s)' },
  workerHealthLogSeconds: { env: 'IMGFLOW_WORKER_HEALTH_LOG_SECONDS', kind: 'int', default: 60, min: 1, max: 86400, description: 'Interval of a worker\'s health log line (s)' },
  workerHeartbeatSeconds: { env: 'IMGFLOW_WORKER_HEARTBEAT_SECONDS', kind: 'int', default: 5, min: 1, max: 3600, description: 'A worker writes its ready heartbeat to Redis this often (kept 3 intervals); imgflow autoscale\'s fly actuator counts a machine ready from it (s)' },
  workerMaxLifetimeSeconds: { env: 'IMGFLOW_WORKER_MAX_LIFETIME_SECONDS', kind: 'int', default: 0, min: 0, max: MAX_TIMER_SECONDS, description: 'A worker stops by itself this long after it started, finishing or handing back its jobs as on SIGTERM (--max-lifetime overrides); 0: never (s)' },
  workerExitWhenIdleSeconds: { env: 'IMGFLOW_WORKER_EXIT_WHEN_IDLE_SECONDS', kind: 'int', default: 0, min: 0, max: MAX_TIMER_SECONDS, description: 'A worker stops by itself after running no job for this long (--exit-when-idle overrides); 0: never (s)' },
  callbackAttempts: { env: 'IMGFLOW_CALLBACK_ATTEMPTS', kind: 'int', default: 5, min: 1, max: 100, description: 'Attempts to POST a job\'s completion notice to its callback URL' },
  callbackBackoffMs: { env: 'IMGFLOW_CALLBACK_BACKOFF_MS', kind: 'int', default: 1000, min: 0, max: 3600000, description: 'First callback retry delay, doubled on each attempt (ms)' },
  callbackTimeoutMs: { env: 'IMGFLOW_CALLBACK_TIMEOUT_MS', kind: 'int', default: 5000, min: 100, max: 600000, description: 'Time allowed for one callback POST (ms)' },
  // Uploads: originals stored with their variant sets (README "Uploads", docs/uploads.md).
  uploadStore: { env: 'IMGFLOW_UPLOAD_STORE', kind: 'enum', default: 'auto', values: ['auto', 'disk', 's3'], description: 'Where uploads (originals and variants) are kept: disk (under IMGFLOW_UPLOAD_DIR, never evicted), or s3 (the result cache\'s bucket, under IMGFLOW_UPLOAD_S3_PREFIX); auto = s3 when IMGFLOW_S3_BUCKET is set, else disk' },
  uploadDir: { env: 'IMGFLOW_UPLOAD_DIR', kind: 'string', default: '.cache/uploads', description: 'Directory of the disk upload store (workers must share it, or use s3)' },
  uploadS3Prefix: { env: 'IMGFLOW_UPLOAD_S3_PREFIX', kind: 'string', default: 'uploads/', description: 'Key prefix of uploads inside the S3 bucket' },
  maxUploadBytes: { env: 'IMGFLOW_MAX_UPLOAD_BYTES', kind: 'int', default: 25 * MiB, min: 1024, max: 2 ** 31 - 1, description: 'Largest upload body: a larger declared Content-Length is refused before reading, a longer stream when it passes this (413)' },
  uploadHeaderBytes: { env: 'IMGFLOW_UPLOAD_HEADER_BYTES', kind: 'int', default: MiB, min: 64, max: 2 ** 31 - 1, description: 'An upload\'s format and pixel count must be readable from its first this many bytes; it is refused (415/422) as soon as they say no, before the rest arrives' },
  uploadSets: { env: 'IMGFLOW_UPLOAD_SETS', kind: 'string', default: undefined, description: 'Variant sets as JSON text or a path to a JSON file (docs/uploads.md); unset: one set, default = webp, avif, jpeg at full size and a 256 px png thumbnail' },
  uploadQueue: { env: 'IMGFLOW_UPLOAD_QUEUE', kind: 'string', default: 'uploads', description: 'Job queue the variants are made on (workers consume it: IMGFLOW_WORKER_QUEUES)' },
  uploadWaitSeconds: { env: 'IMGFLOW_UPLOAD_WAIT_SECONDS', kind: 'number', default: 20, min: 0, max: 600, description: 'How long POST /uploads waits for its variants before answering 202 with Location: /jobs/<id> (s); Prefer: respond-async / wait=N as for jobs' },
  // DeepDream (read by operations/deepdream when it first runs).
  deepdreamBackend: { env: 'IMGFLOW_DEEPDREAM_BACKEND', kind: 'enum', default: 'auto', values: ['auto', 'cpu', 'gpu', 'onnx', 'tfjs'], description: 'DeepDream tensor backend: cpu = onnxruntime-node (optional dependency, MLAS; each step one graph, about 4x faster than tfjs), or tfjs when it does not load (logged, and /healthz says why); onnx = onnxruntime-node or an error; tfjs = tfjs-wasm (XNNPACK) op by op; gpu = gpu.js kernels; auto = gpu when a hardware GPU adapter exists, else cpu' },
  deepdreamCacheDir: { env: 'IMGFLOW_DEEPDREAM_CACHE_DIR', kind: 'string', default: '.cache/deepdream', description: 'Where the folded InceptionV3 weights are cached' },
  deepdreamOnnxSessions: { env: 'IMGFLOW_DEEPDREAM_ONNX_SESSIONS', kind: 'int', default: 6, min: 1, max: 1000, description: 'onnx backend: compiled dream graphs kept per thread (one per layer, objective and input size; a dream uses one per octave, each holds its weights), least recently used released first' },
  deepdreamThreads: { env: 'IMGFLOW_DEEPDREAM_THREADS', kind: 'int', defaultText: 'CPU count', default: Math.max(1, availableParallelism()), min: 1, max: 256, description: 'Threads the DeepDream cpu backend computes on (onnxruntime intra-op threads, or the tfjs-wasm threaded build), fixed when a thread starts its backend; each dream running at once (up to IMGFLOW_COMPUTE_THREADS) uses this many, so set 1 when several dreams should share the cores' },
  // imgflow autoscale (README "Autoscaling"); the rest of its settings are in autoscale.yaml.
  herokuApiKey: { env: 'IMGFLOW_HEROKU_API_KEY', kind: 'string', default: undefined, description: 'Platform API token of imgflow autoscale\'s heroku actuator (heroku authorizations:create)' },
  flyApiToken: { env: 'IMGFLOW_FLY_API_TOKEN', kind: 'string', default: undefined, description: 'Machines API token of imgflow autoscale\'s fly actuator (fly tokens create deploy -a <app>)' },
} as const satisfies Record<string, Setting>;

type BaseValue<S> = S extends { kind: 'int' | 'number' } ? number : S extends { kind: 'boolean' } ? boolean : string;
/** Settings without a default are optional: `undefined` when unset. */
type SettingValue<S> = S extends { default: undefined } ? BaseValue<S> | undefined : BaseValue<S>;
export type Config = { readonly [K in keyof typeof settings]: SettingValue<(typeof settings)[K]> };

function parse(setting: Setting, raw: string, problems: string[]): unknown {
  const bad = (what: string) => problems.push(`${setting.env}=${JSON.stringify(raw)}: expected ${what}`);
  switch (setting.kind) {
    case 'int':
    case 'number': {
      const n = Number(raw);
      const ok = raw.trim() !== '' && (setting.kind === 'int' ? Number.isInteger(n) : Number.isFinite(n));
      if (!ok || (setting.min !== undefined && n < setting.min) || (setting.max !== undefined && n > setting.max)) {
        bad(`${setting.kind === 'int' ? 'an integer' : 'a number'} between ${setting.min} and ${setting.max}`);
      }
      return n;
    }
    case 'boolean': {
      const s = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      bad('1/true/yes/on or 0/false/no/off');
      return false;
    }
    case 'enum':
      if (!setting.values!.includes(raw)) bad(`one of ${setting.values!.join(', ')}`);
      return raw;
    case 'string':
      return raw;
  }
}

/**
 * Builds the frozen config from overrides (tests, embedding), then env, then defaults.
 * Never mutates its arguments.
 */
export function loadConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [keyof Config, Setting][]) {
    if (overrides[key] !== undefined) out[key] = overrides[key];
    else if (env[setting.env] !== undefined) out[key] = parse(setting, env[setting.env]!, problems);
    else out[key] = setting.default;
  }
  checkCombinations(out, problems);
  if (problems.length) throw errors.IMGFLOW_ERR_CONFIG_INVALID({ problems }, undefined, problems.join('; '));
  out.graphsDir = resolve(out.graphsDir as string);
  out.cacheDir = resolve(out.cacheDir as string);
  out.uploadDir = resolve(out.uploadDir as string);
  return Object.freeze(out) as Config;
}

/** Settings that are each valid but do not make sense together. */
function checkCombinations(c: Record<string, unknown>, problems: string[]): void {
  const set = (k: string) => c[k] !== undefined && c[k] !== '';
  if ((set('appKey') || set('appSecret')) && !(set('appKey') && set('appSecret'))) problems.push('IMGFLOW_KEY and IMGFLOW_SECRET go together');
  if ((set('adminKey') || set('adminSecret')) && !(set('adminKey') && set('adminSecret'))) problems.push('IMGFLOW_ADMIN_KEY and IMGFLOW_ADMIN_SECRET go together');
  if (c.cacheStore === 's3' && !set('s3Bucket')) problems.push('IMGFLOW_CACHE_STORE=s3 needs IMGFLOW_S3_BUCKET');
  if (c.cacheServe === 'redirect' && cacheStoreKind(c as unknown as Config) !== 's3') problems.push('IMGFLOW_CACHE_SERVE=redirect needs the s3 store (IMGFLOW_S3_BUCKET)');
  if (set('s3AccessKeyId') !== set('s3SecretAccessKey')) problems.push('IMGFLOW_S3_ACCESS_KEY_ID and IMGFLOW_S3_SECRET_ACCESS_KEY go together');
  if ((c.maxFetchBytesInFlight as number) < (c.maxInputBytes as number)) problems.push('IMGFLOW_MAX_FETCH_BYTES_IN_FLIGHT must be at least IMGFLOW_MAX_INPUT_BYTES, or the largest input could never be held');
  // An upload's chunks count against the same budget: past it, a 429 that no retry could fix.
  if ((c.maxFetchBytesInFlight as number) < (c.maxUploadBytes as number)) problems.push('IMGFLOW_MAX_FETCH_BYTES_IN_FLIGHT must be at least IMGFLOW_MAX_UPLOAD_BYTES, or the largest upload could never be held');
  if (set('jwtSecret') && String(c.jwtSecret).length < 32) problems.push('IMGFLOW_JWT_SECRET must be at least 32 characters');
  if (set('allowedSourceHosts')) {
    for (const problem of allowlistProblems(String(c.allowedSourceHosts))) problems.push(`IMGFLOW_ALLOWED_SOURCE_HOSTS: ${problem}`);
  }
  parseClassOverrides(c.jobClasses as string | undefined, problems);
  if (set('redisUrl')) {
    try {
      const url = new URL(String(c.redisUrl));
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('scheme');
    } catch {
      problems.push(`IMGFLOW_REDIS_URL=${JSON.stringify(c.redisUrl)}: expected redis://host:port[/db] or rediss://`);
    }
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(String(c.redisPrefix))) problems.push('IMGFLOW_REDIS_PREFIX must be 1-64 of A-Z a-z 0-9 _ . -');
  for (const queue of String(c.workerQueues).split(',').map((q) => q.trim())) {
    if (!QUEUE_NAME.test(queue)) problems.push(`IMGFLOW_WORKER_QUEUES: ${JSON.stringify(queue)} is not a queue name (a-z 0-9 -)`);
  }
  if (!QUEUE_NAME.test(String(c.uploadQueue))) problems.push(`IMGFLOW_UPLOAD_QUEUE: ${JSON.stringify(c.uploadQueue)} is not a queue name (a-z 0-9 -)`);
  if (c.uploadStore === 's3' && !set('s3Bucket')) problems.push('IMGFLOW_UPLOAD_STORE=s3 needs IMGFLOW_S3_BUCKET');
  if (set('s3Endpoint')) {
    try {
      new URL(String(c.s3Endpoint));
    } catch {
      problems.push(`IMGFLOW_S3_ENDPOINT=${JSON.stringify(c.s3Endpoint)}: expected a URL`);
    }
  }
}

/** The shared cache tier the config selects. */
export function cacheStoreKind(config: Config): 'none' | 'disk' | 's3' {
  if (config.cacheStore === 'auto') return config.s3Bucket ? 's3' : 'disk';
  return config.cacheStore as 'none' | 'disk' | 's3';
}

/** The store uploads go to. */
export function uploadStoreKind(config: Config): 'disk' | 's3' {
  if (config.uploadStore === 'auto') return config.s3Bucket ? 's3' : 'disk';
  return config.uploadStore as 'disk' | 's3';
}

/** How the runtime sorts graphs into inline work and jobs. */
export function workClassOptions(config: Config): WorkClassOptions {
  return { costThresholdMs: config.jobCostThresholdMs, costPixels: config.jobCostPixels, overrides: parseClassOverrides(config.jobClasses) };
}

/** The README's configuration table (spec/server/config.spec.ts checks the README has it verbatim). */
export function configTable(): string {
  const rows = Object.values(settings as Record<string, Setting>).map((s) => {
    const def = s.defaultText ?? (s.default === undefined ? '' : `\`${String(s.default)}\``);
    const range = s.values ? s.values.join(', ') : s.min !== undefined ? `${s.min}..${s.max}` : '';
    return `| \`${s.env}\` | ${def} | ${range} | ${s.description} |`;
  });
  return ['| Variable | Default | Accepts | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}
