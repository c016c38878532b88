/**
 * The graph store: graphs/ on disk (`.json` and `.fbp`), held in memory, with a revision per
 * graph (a hash of its content) so results cached for an older revision are never reused.
 * The HTTP server, the CLI and the FBP runtime share one store, so an edit from Flowhub is
 * served at once.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { errors } from './errors.ts';
import { parseGraphSource, validateGraph, type GraphJson } from './graph.ts';

export interface GraphEntry {
  name: string;
  graph: GraphJson;
  revision: string;
  /** `json` or `fbp`: the file it came from (saved graphs are always JSON). */
  format: 'json' | 'fbp';
  source: string;
}

export interface GraphStore {
  list(): GraphEntry[];
  get(name: string): GraphEntry | undefined;
  /** Saves a graph and resolves once its file is written. */
  put(name: string, graph: GraphJson): Promise<GraphEntry>;
  /**
   * Saves a graph for readers of this store at once and writes its file within `writeDelayMs`:
   * a burst of edits to one graph becomes a few writes of its latest state, not one per edit.
   */
  schedule(name: string, graph: GraphJson): GraphEntry;
  /** Resolves once every scheduled write (of `name`, or of all graphs) is on disk. */
  flush(name?: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** 'change' (name, entry | undefined) after every put, schedule, delete or file edit. */
  on(event: 'change', listener: (name: string, entry: GraphEntry | undefined) => void): void;
  /** 'write' (name) after each graph file this store writes: the hook to watch write counts. */
  on(event: 'write', listener: (name: string) => void): void;
  off(event: 'change', listener: (name: string, entry: GraphEntry | undefined) => void): void;
  off(event: 'write', listener: (name: string) => void): void;
  /** Writes what is scheduled, then stops watching the directory. */
  close(): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isValidGraphName(name: string): boolean {
  return NAME.test(name);
}

export function revisionOf(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 16);
}

function entryFrom(name: string, source: string, format: 'json' | 'fbp'): GraphEntry {
  return { name, graph: parseGraphSource(name, source, format), revision: revisionOf(source), format, source };
}

/**
 * The entry of a graph saved through this store. Its text and revision are worked out when
 * first read (by a request, or by the write): a burst of edits serialises only the states
 * someone looks at, not each one. The graph must not be changed afterwards.
 */
function savedEntry(name: string, graph: GraphJson): GraphEntry {
  let source: string | undefined;
  let revision: string | undefined;
  return {
    name,
    graph,
    format: 'json',
    get source() { return (source ??= `${JSON.stringify(graph, null, 2)}\n`); },
    get revision() { return (revision ??= revisionOf(this.source)); },
  };
}

export interface StoreOptions {
  dir: string;
  /** Reload files edited on disk by others (default true). */
  watch?: boolean;
  onError?: (err: unknown, file: string) => void;
  /** How long a scheduled save waits for more edits before its file is written (ms, default 100). */
  writeDelayMs?: number;
}

/** The file writes of one graph: at most one in flight, and only the latest content waiting. */
interface Writer {
  pending?: GraphEntry;
  timer?: NodeJS.Timeout;
  inFlight?: Promise<void>;
}

export async function openGraphStore(options: StoreOptions): Promise<GraphStore> {
  const { dir } = options;
  const events = new EventEmitter();
  const graphs = new Map<string, GraphEntry>();
  const report = options.onError ?? (() => {});
  await mkdir(dir, { recursive: true });
  const writers = new Map<string, Writer>();
  // Bumped at each write of a graph file: a read that overlapped one may hold an older save.
  const generations = new Map<string, number>();
  const delay = options.writeDelayMs ?? 100;
  let tmpCount = 0;
  const busy = (name: string) => {
    const w = writers.get(name);
    return w !== undefined && (w.pending !== undefined || w.inFlight !== undefined);
  };

  // Atomic: readers (this store's watcher, other processes, an editor) never see half a file.
  const writeFileOf = async (name: string, source: string) => {
    generations.set(name, (generations.get(name) ?? 0) + 1);
    const tmp = join(dir, `.${name}.${process.pid}.${++tmpCount}.tmp`);
    try {
      await writeFile(tmp, source);
      await rename(tmp, join(dir, `${name}.json`));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    // A .fbp of the same name would shadow the saved JSON on the next start.
    await rm(join(dir, `${name}.fbp`), { force: true });
    events.emit('write', name);
  };

  /** Writes `name`'s latest scheduled content once, after any write already in flight. */
  const writeOnce = async (name: string, w: Writer) => {
    while (w.inFlight) await w.inFlight.catch(() => {});
    const entry = w.pending;
    if (entry === undefined) return;
    w.pending = undefined;
    w.inFlight = writeFileOf(name, entry.source).catch((err) => {
      w.pending ??= entry;
      throw err;
    }).finally(() => { w.inFlight = undefined; });
    await w.inFlight;
  };
  const forget = (name: string, w: Writer) => {
    if (writers.get(name) === w && !w.timer && !w.inFlight && w.pending === undefined) writers.delete(name);
  };

  /** Writes everything scheduled for `name` now (put, flush, close). */
  const drain = async (name: string) => {
    const w = writers.get(name);
    if (!w) return;
    clearTimeout(w.timer);
    w.timer = undefined;
    while (w.inFlight || w.pending !== undefined) await writeOnce(name, w);
    forget(name, w);
  };

  const enqueue = (name: string, entry: GraphEntry) => {
    const w = writers.get(name) ?? {};
    writers.set(name, w);
    w.pending = entry;
    // Edits arriving during this write schedule the next one a full delay later.
    w.timer ??= setTimeout(() => {
      w.timer = undefined;
      writeOnce(name, w).catch((err) => report(err, `${name}.json`)).finally(() => forget(name, w));
    }, delay);
  };

  const load = async (file: string) => {
    const m = /^(.+)\.(json|fbp)$/.exec(file);
    if (!m || !isValidGraphName(m[1])) return;
    const [, name, format] = m;
    // Our own scheduled save of this graph is newer than the file, or lands during the read.
    if (busy(name)) return;
    const generation = generations.get(name);
    let source: string;
    try {
      source = await readFile(join(dir, file), 'utf8');
      if (busy(name) || generations.get(name) !== generation) return;
    } catch {
      if (busy(name) || generations.get(name) !== generation) return;
      if (graphs.get(name)?.format === format) {
        graphs.delete(name);
        events.emit('change', name, undefined);
      }
      return;
    }
    if (graphs.get(name)?.source === source) return;
    try {
      const entry = entryFrom(name, source, format as 'json' | 'fbp');
      graphs.set(name, entry);
      events.emit('change', name, entry);
    } catch (err) {
      report(err, file);
    }
  };

  for (const file of (await readdir(dir)).sort()) await load(file);

  let watcher: FSWatcher | undefined;
  if (options.watch !== false) {
    try {
      watcher = watch(dir, (_event, file) => {
        if (file && !file.startsWith('.')) void load(file.toString());
      });
      watcher.unref();
    } catch (err) {
      report(err, dir);
    }
  }

  const save = (name: string, graph: GraphJson): GraphEntry => {
    if (!isValidGraphName(name)) throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name }, undefined, name, 'graph names are letters, digits, _ and -');
    validateGraph(name, graph);
    const entry = savedEntry(name, graph);
    graphs.set(name, entry);
    enqueue(name, entry);
    events.emit('change', name, entry);
    return entry;
  };

  return {
    list: () => [...graphs.values()].sort((a, b) => a.name.localeCompare(b.name)),
    get: (name) => graphs.get(name),
    async put(name, graph) {
      const entry = save(name, graph);
      await drain(name);
      return entry;
    },
    schedule: (name, graph) => save(name, graph),
    async flush(name) {
      await Promise.all((name === undefined ? [...writers.keys()] : [name]).map(drain));
    },
    async delete(name) {
      if (!graphs.has(name)) return false;
      graphs.delete(name);
      const w = writers.get(name);
      if (w) {
        clearTimeout(w.timer);
        w.timer = undefined;
        w.pending = undefined;
        await w.inFlight?.catch(() => {});
        writers.delete(name);
      }
      generations.set(name, (generations.get(name) ?? 0) + 1);
      await rm(join(dir, `${name}.json`), { force: true });
      await rm(join(dir, `${name}.fbp`), { force: true });
      events.emit('change', name, undefined);
      return true;
    },
    on: (event: string, listener: Parameters<EventEmitter['on']>[1]) => void events.on(event, listener),
    off: (event: string, listener: Parameters<EventEmitter['off']>[1]) => void events.off(event, listener),
    async close() {
      watcher?.close();
      await Promise.all([...writers.keys()].map((name) => drain(name).catch((err) => report(err, `${name}.json`))));
    },
  };
}
