/**
 * `imgflow imgflo-url <graph> --name=value ...`: imgflo-url 1.2's command-line tool. The key and
 * secret come from IMGFLO_API_KEY and IMGFLO_API_SECRET (empty counts as missing), the server from
 * IMGFLO_API_SERVER (default https://imgflo.herokuapp.com/); the URL goes to stdout without a
 * newline, and an error to stderr as `ERROR: <message>` with exit status 1.
 */
import { imgfloUrl } from '../rig/imgflo.ts';

type Value = string | number | boolean | Value[];

/** minimist's number test: decimal, exponent or hex strings become numbers. */
function looksNumeric(s: string): boolean {
  return /^0x[0-9a-f]+$/i.test(s) || /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(e[-+]?\d+)?$/.test(s);
}

function value(s: string): Value {
  return looksNumeric(s) ? Number(s) : s;
}

/**
 * The arguments as minimist (which imgflo-url used) reads them without options: `--k=v`,
 * `--k v`, `--k` (true), `--no-k` (false), `-abc` flags, numeric strings as numbers, a repeated
 * key as a list, `--` ending options. Returns the positionals in `_`.
 */
export function parseMinimist(args: readonly string[]): { _: Value[]; options: Map<string, Value> } {
  const options = new Map<string, Value>();
  const positionals: Value[] = [];
  const set = (key: string, v: Value) => {
    const prev = options.get(key);
    options.set(key, prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1).map(value));
      break;
    }
    let m: RegExpExecArray | null;
    if ((m = /^--([^=]+)=([\s\S]*)$/.exec(arg))) set(m[1], value(m[2]));
    else if ((m = /^--no-(.+)$/.exec(arg))) set(m[1], false);
    else if ((m = /^--(.+)$/.exec(arg))) {
      const next = args[i + 1];
      if (next !== undefined && !/^-/.test(next)) {
        set(m[1], next === 'true' ? true : next === 'false' ? false : value(next));
        i++;
      } else set(m[1], true);
    } else if (/^-[^-]+$/.test(arg)) {
      const letters = arg.slice(1).split('');
      const last = letters.pop()!;
      for (const l of letters) set(l, true);
      const next = args[i + 1];
      if (next !== undefined && !/^-/.test(next)) {
        set(last, next === 'true' ? true : next === 'false' ? false : value(next));
        i++;
      } else set(last, true);
    } else positionals.push(value(arg));
  }
  return { _: positionals, options };
}

export interface CliOutput {
  stdout: string;
  stderr: string;
  code: number;
}

export function imgfloUrlCli(args: readonly string[], env: NodeJS.ProcessEnv): CliOutput {
  const parsed = parseMinimist(args);
  const config: Record<string, string | null | undefined> = {
    key: env.IMGFLO_API_KEY,
    secret: env.IMGFLO_API_SECRET,
    server: env.IMGFLO_API_SERVER ?? 'https://imgflo.herokuapp.com/',
  };
  for (const k of Object.keys(config)) if (!config[k]) config[k] = null;
  const params: Record<string, Value> = Object.create(null);
  for (const [k, v] of parsed.options) params[k] = v;
  try {
    return { stdout: imgfloUrl(config, parsed._[0], params), stderr: '', code: 0 };
  } catch (err) {
    return { stdout: '', stderr: `ERROR: ${(err as Error).message}\n`, code: 1 };
  }
}
