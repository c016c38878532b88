/**
 * The CLI's help: one text per command, for `npx imgflow <command> --help`, and the
 * argument parser's errors turned into a line that names the command and what it takes.
 */
const COMMANDS = new Map<string, { summary: string; usage: string }>([
  ['run', {
    summary: 'run a graph on a file, a URL or stdin',
    usage: `npx imgflow run <graph> --input <file|url|-> [--set name=value ...] -o <out.ext|->

  -i, --input <src>    the image: a file, an http(s) URL, or - for stdin
  -o, --output <dst>   where to write; the extension picks the format; - for stdout (needs --format)
      --format <fmt>   output format (jpg, png, webp, avif, tiff, gif), over the extension
      --set name=value a graph parameter (repeatable), e.g. --set width=400 --set quality=70
      --graphs <dir>   graph directory`,
  }],
  ['graphs', {
    summary: 'list graphs and their parameters',
    usage: `npx imgflow graphs [--json] [--graphs <dir>]

      --json           the catalogue as JSON (what GET /graphs answers)
      --graphs <dir>   graph directory`,
  }],
  ['serve', {
    summary: 'start the HTTP server (PORT, IMGFLOW_* env vars)',
    usage: `npx imgflow serve

  Configured by environment variables only: see the README's settings table.`,
  }],
  ['worker', {
    summary: 'consume job queues from Redis (IMGFLOW_REDIS_URL)',
    usage: `npx imgflow worker [--queues deepdream,heavy] [--concurrency N] [--max-lifetime S] [--exit-when-idle S]

      --queues <list>        the queues to take jobs from, comma-separated
      --concurrency <n>      jobs at once (a whole number >= 1)
      --max-lifetime <s>     stop after this many seconds, finishing or handing back jobs as on SIGTERM
                             (IMGFLOW_WORKER_MAX_LIFETIME_SECONDS; 0: never)
      --exit-when-idle <s>   stop after running no job for this many seconds
                             (IMGFLOW_WORKER_EXIT_WHEN_IDLE_SECONDS; 0: never)`,
  }],
  ['autoscale', {
    summary: 'size the worker pools on queue depth (README "Autoscaling")',
    usage: `npx imgflow autoscale [--config autoscale.yaml]

  -c, --config <file>   the autoscaler's configuration (default autoscale.yaml)`,
  }],
  ['upload', {
    summary: 'upload an image to a server and print its variant URLs (README "Uploads")',
    usage: `npx imgflow upload <file|-> [--set <name>] [--server URL] [--key K --secret S] [--json]

      --set <name>      variant set (default: the app's default set)
      --server <url>    server base URL (default http://localhost:$PORT)
      --key <key>       application key, signs the upload (default IMGFLOW_KEY; none: unsigned)
      --secret <secret> its secret (default: the first of IMGFLOW_SECRET)
      --wait <s>        longest to wait for the variants (default 300)
      --json            print the manifest as JSON instead of one line per variant`,
  }],
  ['runtime', {
    summary: 'the FBP runtime alone, for Flowhub (prints the live-mode link)',
    usage: `npx imgflow runtime [--port N] [--host H] [--graphs <dir>]

      --port <n>       port (default 3569)
      --host <h>       address to listen on (default 127.0.0.1)
      --graphs <dir>   graph directory`,
  }],
  ['sign', {
    summary: 'print a signed URL (input=<url> is a parameter like the others)',
    usage: `npx imgflow sign <graph>[.ext] name=value ... [--key K --secret S --server URL --expires SECONDS]

      --key <key>       application key (default IMGFLOW_KEY)
      --secret <secret> its secret (default: the first of IMGFLOW_SECRET)
      --server <url>    server base URL (default http://localhost:$PORT)
      --expires <s>     valid for this many seconds (adds a signed expires)`,
  }],
  ['imgflo-url', {
    summary: "print an imgflo-server URL as imgflo-url 1.2's tool did",
    usage: `npx imgflow imgflo-url <graph> --name=value ...

  Every --name=value is a graph parameter (input included). IMGFLO_API_KEY, IMGFLO_API_SECRET
  and IMGFLO_API_SERVER configure it; its output is imgflo-url's (the URL without a newline, or
  ERROR: ...).`,
  }],
]);

export function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((c) => c.length));
  const lines = [...COMMANDS].map(([name, c]) => `  npx imgflow ${name.padEnd(width)}  ${c.summary}`);
  return `Usage:
${lines.join('\n')}

Options:
  --graphs <dir>    graph directory (default: IMGFLOW_GRAPHS_DIR, ./graphs, or the bundled graphs)
  <command> --help  the command's options
  -v, --version     the version
  -h, --help        this text`;
}

/** The command's help, or the general one for a command without its own. */
export function commandUsage(command: string): string {
  const c = COMMANDS.get(command);
  return c ? `${c.summary}\n\nUsage:\n  ${c.usage}` : usage();
}

/** `--help` or `-h` among a command's arguments (before a `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * node:util parseArgs' errors as a user should read them: Node's text suggests `--` syntax
 * and names no command. Undefined for any other error.
 */
export function argumentError(command: string, err: unknown): string | undefined {
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_') || typeof message !== 'string') return undefined;
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  const what = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${option}`
    : code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' ? `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trim()
    : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? (option ? `option ${option} ${/argument missing/.test(message) ? 'needs a value' : /does not take/.test(message) ? 'takes no value' : 'has a bad value'}` : message)
    : message;
  return `imgflow ${command}: ${what}\n\n${commandUsage(command)}`;
}
