/**
 * Reads a `node --cpu-prof` profile (.cpuprofile) and charges each sample of the main thread to
 * one category by its stack, within given time windows only (the measured rounds, not start-up
 * or warm-up). V8 stamps samples with the monotonic clock in microseconds, the clock
 * `process.hrtime` reads in the bench process, so windows taken there select samples here.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

/** A category and how a stack frame is recognised as belonging to it (first match wins). */
export interface Rule { name: string; frame: (fn: string, url: string) => boolean }

/**
 * Checked in this order over the whole stack (leaf to root), so a frame deep in the stack
 * claims the sample: a socket write under the disk store's callback is the store's.
 */
export const missRules: Rule[] = [
  { name: 'GC', frame: (fn) => fn === '(garbage collector)' },
  { name: 'result store: disk files and memory tier', frame: (_f, u) => /\/server\/cache\/|\/server\/image-cache/.test(u) },
  { name: 'logging (pino, request log)', frame: (_f, u) => /\/node_modules\/(pino|sonic-boom|thread-stream)\/|\/server\/request-log/.test(u) },
  { name: 'input download (node:http client, fetch-source)', frame: (_f, u) => /node:_http_client|node:_http_agent|\/server\/input\/fetch-source|fetchInput/.test(u) },
  { name: 'input header check (checkImage, jpeg frame)', frame: (_f, u) => /\/server\/input\/check-image|jpeg-frame/.test(u) },
  { name: 'sharp JS + N-API calls', frame: (_f, u) => /\/node_modules\/sharp\//.test(u) },
  { name: 'graph runtime (executor, plan, params)', frame: (_f, u) => /\/runtime\/|\/operations\//.test(u) },
  { name: 'fastify (router, hooks, reply)', frame: (_f, u) => /\/node_modules\/(fastify|find-my-way|avvio|@fastify|fast-json-stringify|light-my-request|fast-querystring)/.test(u) },
  { name: 'imgflow server code (route, admission, cache key, metrics)', frame: (_f, u) => /\/server\//.test(u) },
  { name: 'bare server script', frame: (_f, u) => /bare-sharp\.mjs/.test(u) },
  { name: 'node:http server, sockets, streams', frame: (_f, u) => /^node:/.test(u) },
  { name: 'native, not attributed to JS ((program))', frame: (fn) => fn === '(program)' },
];

export interface Attribution {
  /** ms of main-thread CPU per category within the windows (idle excluded). */
  byCategory: Map<string, number>;
  /** ms of self time per leaf function (name url:line), largest first. */
  topSelf: [string, number][];
  busyMs: number;
  idleMs: number;
}

/** `windows` in monotonic microseconds [start, end). */
export function attribute(file: string, windows: [number, number][], rules: Rule[] = missRules): Attribution {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = categoryOf.get(id);
    if (known) return known;
    let found = 'other JS';
    outer: for (const rule of rules) {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const f = byId.get(at)!.callFrame;
        if (rule.frame(f.functionName, f.url)) {
          found = rule.name;
          break outer;
        }
      }
    }
    categoryOf.set(id, found);
    return found;
  };
  const byCategory = new Map<string, number>();
  const self = new Map<string, number>();
  let t = p.startTime, busy = 0, idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    // A sample's delta is the time since the previous one: charged to this sample's stack.
    const dt = p.timeDeltas[i] / 1000;
    if (!windows.some(([a, b]) => t >= a && t < b)) continue;
    const node = byId.get(p.samples[i])!;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    busy += dt;
    const cat = classify(node.id);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + dt);
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(server|runtime|operations|bench)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + dt);
  }
  return { byCategory, topSelf: [...self].sort((a, b) => b[1] - a[1]), busyMs: busy, idleMs: idle };
}
