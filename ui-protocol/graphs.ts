/**
 * The graphs the protocol edits: working copies of the store's graphs (so edits from several
 * clients apply in order, one at a time per graph) handed back to the store after every edit,
 * so `/graph/<name>` serves the edited graph at once with a new revision; the store coalesces
 * the file writes of a burst of edits. Every edit must keep the graph within the limits HTTP
 * enforces (runtime.checkLimits), else it is refused and nothing changes. Graph ids the store
 * refuses (fbp-spec's `fixture.x`) live in memory only.
 */
import { isValidGraphName, type GraphJson, type Runtime } from '../runtime/index.ts';

/** A failure whose message goes verbatim to the client as `<protocol>:error`. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export const NO_GRAPH = 'No graph specified';
export const GRAPH_NOT_FOUND = 'Requested graph not found';

export interface GraphHandle {
  readonly id: string;
  /** The current graph; replaced (never mutated) by each edit. */
  graph: GraphJson;
  /** Handed to the store after each edit (which writes the file soon after). */
  readonly persisted: boolean;
  library?: string;
}

export interface GraphSet {
  get(id: string): GraphHandle | undefined;
  /** The graph named by `payload.graph`, or a ProtocolError with fbp-protocol's exact texts. */
  resolve(payload: Record<string, unknown>): GraphHandle;
  /** Applies `change` to a copy of the graph, saves it, then makes it current. Serialised per graph. */
  edit<T>(id: string, change: (graph: GraphJson) => T): Promise<T>;
  /** Creates or replaces a graph (graph:clear, component:source). */
  replace(id: string, graph: GraphJson, library?: string): Promise<GraphHandle>;
  /** Forgets a graph and deletes its file (graph:delete, graph:rename). */
  remove(id: string): Promise<void>;
  ids(): string[];
  /** Resolves once every edit has been applied and its graph file written. */
  flush(): Promise<void>;
  onChange(listener: (id: string) => void): void;
  close(): void;
}

export function emptyGraph(id: string, properties: Record<string, unknown> = {}): GraphJson {
  return { caseSensitive: true, properties: { name: id, environment: { type: 'imgflow' }, ...properties }, inports: {}, outports: {}, groups: [], processes: {}, connections: [] };
}

/**
 * A copy an edit may change without touching `graph` (which the store may still be writing):
 * every container the graph:* handlers modify in place is copied, the values they only replace
 * (process definitions, metadata objects) are shared. Much cheaper than structuredClone on a
 * large graph, and an edit that throws leaves the current graph as it was.
 */
function draftOf(graph: GraphJson): GraphJson {
  return {
    ...graph,
    ...(graph.inports ? { inports: { ...graph.inports } } : {}),
    ...(graph.outports ? { outports: { ...graph.outports } } : {}),
    processes: { ...graph.processes },
    connections: graph.connections.map((c) => ({ ...c })),
    ...(graph.groups ? { groups: graph.groups.map((g) => ({ ...g })) } : {}),
  };
}

export function createGraphSet(runtime: Runtime, maxMemoryGraphs = 64): GraphSet {
  const working = new Map<string, GraphHandle>();
  const locks = new Map<string, Promise<unknown>>();
  const listeners: ((id: string) => void)[] = [];
  // Graphs we handed to store.put: their own 'change' event is not an external edit.
  const ours = new WeakSet<GraphJson>();
  const changed = (id: string) => listeners.forEach((l) => l(id));

  const onStoreChange = (name: string, entry: { graph: GraphJson } | undefined) => {
    if (entry && ours.has(entry.graph)) return;
    // Edited on disk or by another writer: the store is the truth.
    if (!entry) working.delete(name);
    else if (working.has(name)) working.get(name)!.graph = structuredClone(entry.graph);
    changed(name);
  };
  runtime.store.on('change', onStoreChange);

  const get = (id: string): GraphHandle | undefined => {
    const known = working.get(id);
    if (known) return known;
    const entry = runtime.store.get(id);
    if (!entry) return undefined;
    const handle: GraphHandle = { id, graph: structuredClone(entry.graph), persisted: true };
    working.set(id, handle);
    return handle;
  };

  const serialise = <T>(id: string, task: () => Promise<T>): Promise<T> => {
    const previous = locks.get(id) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => {});
    locks.set(id, settled);
    void settled.then(() => { if (locks.get(id) === settled) locks.delete(id); });
    return next;
  };

  const save = (handle: GraphHandle, graph: GraphJson) => {
    // The same size check as HTTP's, so nothing is kept (in memory or on disk) that it refuses.
    runtime.checkLimits(handle.id, graph);
    if (!handle.persisted) return;
    ours.add(graph);
    try {
      runtime.store.schedule(handle.id, graph);
    } catch (err) {
      throw new ProtocolError(`Could not save graph ${handle.id}: ${(err as Error).message}`);
    }
  };

  const dropOldMemoryGraphs = () => {
    const memory = [...working.values()].filter((h) => !h.persisted);
    for (const h of memory.slice(0, Math.max(0, memory.length - maxMemoryGraphs))) working.delete(h.id);
  };

  return {
    get,
    resolve(payload) {
      const id = payload.graph;
      if (typeof id !== 'string' || id === '') throw new ProtocolError(NO_GRAPH);
      const handle = get(id);
      if (!handle) throw new ProtocolError(GRAPH_NOT_FOUND);
      return handle;
    },
    edit(id, change) {
      return serialise(id, async () => {
        const handle = get(id);
        if (!handle) throw new ProtocolError(GRAPH_NOT_FOUND);
        const draft = draftOf(handle.graph);
        const result = change(draft);
        save(handle, draft);
        handle.graph = draft;
        changed(id);
        return result;
      });
    },
    replace(id, graph, library) {
      return serialise(id, async () => {
        const existing = get(id);
        const handle: GraphHandle = existing ?? { id, graph, persisted: isValidGraphName(id) };
        save(handle, graph);
        handle.graph = graph;
        if (library !== undefined) handle.library = library;
        working.delete(id);
        working.set(id, handle);
        if (!handle.persisted) dropOldMemoryGraphs();
        changed(id);
        return handle;
      });
    },
    remove(id) {
      return serialise(id, async () => {
        const handle = get(id);
        if (!handle) throw new ProtocolError(GRAPH_NOT_FOUND);
        working.delete(id);
        // The store's 'change' event tells the listeners (and drops the working copy).
        if (handle.persisted) await runtime.store.delete(id);
        else changed(id);
      });
    },
    ids: () => [...new Set([...runtime.store.list().map((e) => e.name), ...working.keys()])].sort(),
    async flush() {
      await Promise.all([...locks.values()]);
      await runtime.store.flush();
    },
    onChange: (listener) => void listeners.push(listener),
    close: () => runtime.store.off('change', onStoreChange),
  };
}
