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
  put(name: string, graph: GraphJson): Promise<GraphEntry>;
  delete(name: string): Promise<boolean>;
  /** 'change' (name, entry | undefined) after every put, delete or file edit. */
  on(event: 'change', listener: (name: string, entry: GraphEntry | undefined) => void): void;
  off(event: 'change', listener: (name: string, entry: GraphEntry | undefined) => void): void;
  close(): void;
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

export interface StoreOptions {
  dir: string;
  /** Reload files edited on disk by others (default true). */
  watch?: boolean;
  onError?: (err: unknown, file: string) => void;
}

export async function openGraphStore(options: StoreOptions): Promise<GraphStore> {
  const { dir } = options;
  const events = new EventEmitter();
  const graphs = new Map<string, GraphEntry>();
  const report = options.onError ?? (() => {});
  await mkdir(dir, { recursive: true });

  const load = async (file: string) => {
    const m = /^(.+)\.(json|fbp)$/.exec(file);
    if (!m || !isValidGraphName(m[1])) return;
    const [, name, format] = m;
    let source: string;
    try {
      source = await readFile(join(dir, file), 'utf8');
    } catch {
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

  return {
    list: () => [...graphs.values()].sort((a, b) => a.name.localeCompare(b.name)),
    get: (name) => graphs.get(name),
    async put(name, graph) {
      if (!isValidGraphName(name)) throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name }, undefined, name, 'graph names are letters, digits, _ and -');
      validateGraph(name, graph);
      const source = `${JSON.stringify(graph, null, 2)}\n`;
      const tmp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
      await writeFile(tmp, source);
      await rename(tmp, join(dir, `${name}.json`));
      // A .fbp of the same name would shadow the saved JSON on the next start.
      await rm(join(dir, `${name}.fbp`), { force: true });
      const entry: GraphEntry = { name, graph, revision: revisionOf(source), format: 'json', source };
      graphs.set(name, entry);
      events.emit('change', name, entry);
      return entry;
    },
    async delete(name) {
      if (!graphs.has(name)) return false;
      graphs.delete(name);
      await rm(join(dir, `${name}.json`), { force: true });
      await rm(join(dir, `${name}.fbp`), { force: true });
      events.emit('change', name, undefined);
      return true;
    },
    on: (event, listener) => void events.on(event, listener),
    off: (event, listener) => void events.off(event, listener),
    close: () => watcher?.close(),
  };
}
