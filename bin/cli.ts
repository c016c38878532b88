/**
 * imgflow CLI: run a graph on a file or URL, list graphs, start the server; bin/help.ts has
 * each command's options (`npx imgflow <command> --help`).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRuntime, ImgflowError, loadImageParams, nullRecord } from '../runtime/index.ts';
import { loadConfig, workClassOptions, type Config } from '../server/config.ts';
import { formatFromExtension } from '../server/formats.ts';
import { checkImage } from '../server/input/check-image.ts';
import { closeSourceAgents } from '../server/input/fetch-source.ts';
import { fetchWithConfig } from '../server/source.ts';
import { RESERVED_PARAMS } from '../server/process-request.ts';
import { MAX_TIMER_SECONDS } from '../server/timer-limit.ts';
import { autoscaleCommand } from './autoscale-command.ts';
import { uploadCommand } from './upload-command.ts';
import { argumentError, commandUsage, usage, wantsHelp } from './help.ts';
import { createProgressBar } from './progress.ts';
import { imgfloUrlCli } from './imgflo-url.ts';
import { packageRoot, version } from '../server/version.ts';
import type { GpuMode } from '../operations/kernels/index.ts';

const USAGE = usage();

const bundledGraphs = join(packageRoot, 'graphs');

function configFor(graphsOption: string | undefined): Config {
  const graphsDir = graphsOption ?? process.env.IMGFLOW_GRAPHS_DIR ?? (existsSync('graphs') ? 'graphs' : bundledGraphs);
  // The CLI runs on the user's own files and URLs: private addresses are theirs to read.
  return loadConfig({ graphsDir, allowPrivateSources: true, logLevel: 'silent' });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readInput(config: Config, input: string): Promise<Buffer> {
  if (input === '-') return readStdin();
  if (/^https?:\/\//i.test(input)) return fetchWithConfig(config, input, undefined, 'imgflow-cli');
  return readFile(resolve(input));
}

/** Writes all of `bytes` to stdout before resolving (a pipe may take them in pieces). */
function writeStdout(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
}

function parseSets(sets: string[]): Record<string, string> {
  const out = nullRecord<string>();
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--set expects name=value, got ${JSON.stringify(s)}`);
    out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      input: { type: 'string', short: 'i' },
      set: { type: 'string', multiple: true, default: [] },
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      graphs: { type: 'string' },
    },
  });
  const [graph, extra] = positionals;
  if (!graph || !values.input || !values.output) throw new Error(`run needs a graph, --input and -o\n\n${commandUsage('run')}`);
  if (extra !== undefined) throw new Error(`run takes one graph, got also ${JSON.stringify(extra)}\n\n${commandUsage('run')}`);
  const toStdout = values.output === '-';
  if (toStdout && !values.format) throw new Error('-o - (stdout) needs --format, e.g. --format png');
  const format = formatFromExtension(values.format ?? extname(values.output).slice(1));
  const config = configFor(values.graphs);
  const runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false, maxNodes: config.maxNodes, computeThreads: config.computeThreads, gpu: config.gpu as GpuMode });
  const params = parseSets(values.set);
  for (const reserved of RESERVED_PARAMS) if (reserved in params) throw new Error(`${reserved} is not a graph parameter; use --input`);
  const prepared = runtime.prepare(graph, params);
  const input = await readInput(config, values.input);
  await checkImage(input, { maxPixels: config.maxInputPixels });
  // image parameters (deepdream's guide=<url>) are fetched like an --input URL
  const images = await loadImageParams(prepared.plan, prepared.params, async (ref) => {
    const bytes = await readInput(config, ref);
    await checkImage(bytes, { maxPixels: config.maxInputPixels });
    return bytes;
  });
  const bar = createProgressBar(process.stderr, graph);
  const t0 = performance.now();
  const result = await runtime.evaluate(prepared, {
    input,
    images,
    format,
    limitInputPixels: config.maxInputPixels,
    onProgress: (fraction, detail) => bar.update(fraction, detail),
  });
  bar.done();
  if (toStdout) await writeStdout(result.bytes);
  else await writeFile(values.output, result.bytes);
  const stages = result.timings.map((t) => `${t.kind}[${t.nodes.join('+')}] ${t.ms.toFixed(0)} ms`).join(', ');
  console.error(`${toStdout ? 'stdout' : values.output}: ${result.width}x${result.height} ${result.format}, ${result.bytes.length} bytes in ${(performance.now() - t0).toFixed(0)} ms (${stages})`);
  await runtime.close();
}

async function graphs(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { graphs: { type: 'string' }, json: { type: 'boolean' } } });
  const config = configFor(values.graphs);
  const runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false, computeThreads: 0, workClasses: workClassOptions(config) });
  const infos = runtime.store.list().map((e) => {
    try {
      return runtime.describe(e.name);
    } catch (err) {
      return { name: e.name, error: (err as Error).message };
    }
  });
  if (values.json) console.log(JSON.stringify(infos, null, 2));
  else {
    for (const info of infos) {
      if ('error' in info) {
        console.log(`${info.name}  (broken: ${info.error})`);
        continue;
      }
      const work = info.work.class === 'job' ? `  [job on ${info.work.queue}: ${info.work.reason}]` : '';
      console.log(`${info.name}  ${info.description}${work}`);
      for (const p of info.parameters) {
        const range = p.values ? p.values.join('|') : [p.min, p.max].some((x) => x !== undefined) ? `${p.min ?? ''}..${p.max ?? ''}` : '';
        console.log(`    ${p.name.padEnd(16)} ${p.type.padEnd(8)} ${String(p.default ?? '').padEnd(10)} ${range.padEnd(14)} ${p.description}`);
      }
    }
  }
  await runtime.close();
}

async function serve(): Promise<void> {
  const { startServer } = await import('../server/start.ts');
  await startServer();
}

async function worker(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { queues: { type: 'string' }, concurrency: { type: 'string' }, 'max-lifetime': { type: 'string' }, 'exit-when-idle': { type: 'string' } } });
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isSafeInteger(concurrency) && concurrency >= 1)) throw new Error(`--concurrency takes a whole number >= 1, got ${JSON.stringify(values.concurrency)}`);
  const seconds = (flag: 'max-lifetime' | 'exit-when-idle') => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    // These become Node timers (server/timer-limit.ts says why they are capped).
    if (!(Number.isSafeInteger(n) && n >= 0 && n <= MAX_TIMER_SECONDS)) throw new Error(`--${flag} takes whole seconds 0..${MAX_TIMER_SECONDS} (0: never), got ${JSON.stringify(raw)}`);
    return n;
  };
  const maxLifetime = seconds('max-lifetime');
  const exitWhenIdle = seconds('exit-when-idle');
  const { startWorker } = await import('../server/jobs/worker-main.ts');
  await startWorker({ queues: values.queues?.split(',').map((q) => q.trim()), concurrency, maxLifetime, exitWhenIdle });
}

async function sign(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      key: { type: 'string' },
      secret: { type: 'string' },
      server: { type: 'string' },
      expires: { type: 'string' },
    },
  });
  const [target, ...pairs] = positionals;
  if (!target) throw new Error(`sign needs a graph\n\n${commandUsage('sign')}`);
  const config = loadConfig({ logLevel: 'silent' });
  const key = values.key ?? config.appKey;
  // With several secrets (rotation), the first one is the current one.
  const secret = values.secret ?? config.appSecret?.split(',')[0]?.trim();
  if (!key || !secret) throw new Error('sign needs --key and --secret (or IMGFLOW_KEY and IMGFLOW_SECRET)');
  const m = /^(.+)\.([A-Za-z0-9]+)$/.exec(target);
  const params: Array<[string, string]> = pairs.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`parameters are name=value, got ${JSON.stringify(p)}`);
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
  let expiresAt: number | undefined;
  if (values.expires !== undefined) {
    const seconds = Number(values.expires);
    if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new Error(`--expires takes whole seconds, got ${JSON.stringify(values.expires)}`);
    expiresAt = Math.floor(Date.now() / 1000) + seconds;
  }
  const { buildSignedUrl } = await import('../rig/sign.ts');
  console.log(await buildSignedUrl({
    server: values.server ?? `http://localhost:${config.port}`,
    key,
    secret,
    graph: m ? m[1] : target,
    ext: m ? m[2] : undefined,
    params,
    expiresAt,
  }));
}

async function runtimeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '3569' }, host: { type: 'string', default: '127.0.0.1' }, graphs: { type: 'string' } } });
  const config = configFor(values.graphs);
  const { startStandaloneRuntime } = await import('../ui-protocol/index.ts');
  const { protocolLimitsFrom, runtimeLimitsFrom } = await import('../server/runtime-options.ts');
  const rt = await startStandaloneRuntime({
    port: Number(values.port),
    host: values.host,
    graphsDir: config.graphsDir,
    secret: config.runtimeSecret,
    readSecret: config.runtimeReadSecret,
    runtimeId: config.runtimeId,
    label: config.runtimeLabel,
    runtimeLimits: runtimeLimitsFrom(config),
    ...protocolLimitsFrom(config),
  });
  console.log(`FBP runtime listening at ${rt.url}`);
  console.log(`Open in Flowhub: ${rt.liveUrl}`);
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => void rt.close().then(resolve));
  });
}

const commands: Record<string, (args: string[]) => Promise<void>> = { run, graphs, serve, worker, sign, runtime: runtimeCommand };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(rest[0] && command === 'help' ? commandUsage(rest[0]) : USAGE);
    return command ? 0 : 64;
  }
  if (command === 'imgflo-url' && !wantsHelp(rest)) {
    // Its own output contract (imgflo-url's): the URL without a newline, or `ERROR: ...`.
    const out = imgfloUrlCli(rest, process.env);
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
    return out.code;
  }
  if (command === '-v' || command === '--version' || command === 'version') {
    console.log(version);
    return 0;
  }
  const handler = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!handler && command === 'imgflo-url') {
    console.log(commandUsage(command));
    return 0;
  }
  if (!handler) {
    console.error(`imgflow: unknown command ${command}\n\n${USAGE}`);
    return 64;
  }
  if (wantsHelp(rest)) {
    console.log(commandUsage(command));
    return 0;
  }
  try {
    await handler(rest);
    return 0;
  } catch (err) {
    const bad = argumentError(command, err);
    if (bad) {
      console.error(bad);
      return 64;
    }
    const e = err as Error;
    console.error(`imgflow: ${e instanceof ImgflowError ? `${e.message} (${e.code})` : e.message}`);
    return e instanceof ImgflowError && e.statusCode < 500 ? 65 : 1;
  } finally {
    closeSourceAgents();
  }
}

// Registered apart from the table above so that branches adding commands do not edit one line.
commands.autoscale = autoscaleCommand;
commands.upload = uploadCommand;

// `imgflow graphs | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv.slice(2));
if (code !== 0 || (process.argv[2] !== 'serve' && process.argv[2] !== 'worker')) process.exitCode = code;
