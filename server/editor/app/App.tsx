/**
 * The editor: connect with the runtime's secret (kept in sessionStorage only), pick a graph,
 * edit it on the canvas and in the inspector, run it on a sample and watch selected edges.
 * Every change goes to the runtime as a graph:* command and comes back as the runtime's
 * announcement; only announcements change what is drawn, so other editors' edits show too.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import fbp from 'fbp';
import { GRAPH_PREFIX, type ComponentDef } from './components.ts';
import { applyGraphMessage, initialOf, normalise, type GraphJson } from './graph.ts';
import { Canvas, type CanvasActions } from './Canvas.tsx';
import { GraphList } from './GraphList.tsx';
import { Inspector, type InspectorActions } from './Inspector.tsx';
import { Palette } from './Palette.tsx';
import { EditHistory, restoreNode, type Command, type Edit } from './history.ts';
import { RuntimeClient, runtimeAddress, type Message } from './protocol.ts';

const SECRET_KEY = 'imgflow-editor-secret';

export interface Preview { url: string; width: number; height: number }

export const edgeKey = (src: { node: string; port: string }, tgt: { node: string; port: string }) => `${src.node}.${src.port}>${tgt.node}.${tgt.port}`;

interface Toast { id: number; text: string; kind: 'error' | 'info' }

export function App() {
  const [client, setClient] = useState<RuntimeClient>();
  const [capabilities, setCapabilities] = useState<string[]>([]);
  const [label, setLabel] = useState('');
  const [components, setComponents] = useState<Map<string, ComponentDef>>(new Map());
  const [graphIds, setGraphIds] = useState<string[]>([]);
  const [current, setCurrent] = useState<string>();
  const [graph, setGraph] = useState<GraphJson>();
  const [selectedNodes, setSelectedNodes] = useState<string[]>([]);
  const selectedNode = selectedNodes.length === 1 ? selectedNodes[0] : undefined;
  const [previews, setPreviews] = useState<Map<string, Preview>>(new Map());
  const [watched, setWatched] = useState<Map<string, { src: { node: string; port: string }; tgt: { node: string; port: string } }>>(new Map());
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const [networkError, setNetworkError] = useState<string>();
  const [running, setRunning] = useState(false);
  const [output, setOutput] = useState<Preview>();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const currentRef = useRef<string | undefined>(undefined);
  currentRef.current = current;
  const pendingErrors = useRef(new Map<string, string>());

  const toast = useCallback((text: string, kind: Toast['kind'] = 'error') => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t, { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 6000);
  }, []);

  const canEdit = capabilities.includes('protocol:graph');
  const canRun = capabilities.includes('network:control') || capabilities.includes('protocol:network');

  const onMessage = useCallback((m: Message) => {
    const p = m.payload ?? {};
    const open = currentRef.current;
    if (m.protocol === 'component' && m.command === 'component') {
      setComponents((c) => new Map(c).set(p.name, p as ComponentDef));
      if (typeof p.name === 'string' && p.name.startsWith(GRAPH_PREFIX)) {
        const id = p.name.slice(GRAPH_PREFIX.length);
        setGraphIds((ids) => (ids.includes(id) ? ids : [...ids, id].sort()));
      }
    } else if (m.protocol === 'graph' && m.command === 'clear') {
      setGraphIds((ids) => (ids.includes(p.id) ? ids : [...ids, p.id].sort()));
      if (p.id === open) setGraph(normalise({ properties: { name: p.id } }));
    } else if (m.protocol === 'graph' && m.command === 'delete') {
      setGraphIds((ids) => ids.filter((x) => x !== p.id));
      setComponents((c) => { const next = new Map(c); next.delete(`${GRAPH_PREFIX}${p.id}`); return next; });
      if (p.id === open) {
        currentRef.current = undefined;
        setCurrent(undefined);
        setGraph(undefined);
        toast(`Graph ${p.id} was deleted`, 'info');
      }
    } else if (m.protocol === 'graph' && m.command === 'rename') {
      setGraphIds((ids) => [...ids.filter((x) => x !== p.from && x !== p.to), p.to].sort());
      setComponents((c) => {
        const next = new Map(c);
        const def = next.get(`${GRAPH_PREFIX}${p.from}`);
        next.delete(`${GRAPH_PREFIX}${p.from}`);
        if (def) next.set(`${GRAPH_PREFIX}${p.to}`, { ...def, name: `${GRAPH_PREFIX}${p.to}` });
        return next;
      });
      if (p.from === open) {
        currentRef.current = p.to;
        setCurrent(p.to);
        history.replaceState(null, '', `#${encodeURIComponent(p.to)}`);
      }
    } else if (m.protocol === 'graph' && m.command === 'error') {
      toast(String(p.message));
    } else if (m.protocol === 'graph' && p.graph === open) {
      setGraph((g) => (g ? applyGraphMessage(g, m.command, p) : g));
    } else if (m.protocol === 'network' && p.graph === open) {
      if (m.command === 'data' && p.src && p.data?.type === 'previewurl') {
        setPreviews((v) => new Map(v).set(edgeKey(p.src, p.tgt), { url: p.data.url, width: p.data.width, height: p.data.height }));
      } else if (m.command === 'processerror') {
        pendingErrors.current.set(p.id, String(p.error));
      } else if (m.command === 'error') {
        setNetworkError(String(p.message));
      } else if (m.command === 'status' || m.command === 'stopped' || m.command === 'started') {
        if (m.command !== 'status' || !p.running) {
          // One run's errors arrive before its status: they replace the previous run's.
          setErrors(new Map(pendingErrors.current));
          if (pendingErrors.current.size === 0 && m.command === 'status') setNetworkError(undefined);
          pendingErrors.current = new Map();
        }
        setRunning(p.started === true);
      }
    } else if (m.protocol === 'network' && m.command === 'error' && !p.graph) {
      toast(String(p.message));
    } else if (m.protocol === 'runtime' && m.command === 'packet' && p.graph === open && p.port === 'output' && p.payload?.type === 'previewurl') {
      setOutput({ url: p.payload.url, width: p.payload.width, height: p.payload.height });
    } else if ((m.protocol === 'component' || m.protocol === 'runtime') && m.command === 'error') {
      toast(String(p.message));
    }
  }, [toast]);

  const connect = useCallback(async (secret: string) => {
    const c = await RuntimeClient.open(runtimeAddress(), secret);
    const info = await c.request('runtime', 'getruntime', {}, 'runtime');
    const caps = (info.payload.capabilities ?? []) as string[];
    if (caps.length === 0) {
      c.close();
      throw new Error('The runtime refused this secret');
    }
    sessionStorage.setItem(SECRET_KEY, secret);
    c.on(onMessage);
    c.onClose(() => { setClient(undefined); toast('Disconnected from the runtime'); });
    setCapabilities(caps);
    setLabel(String(info.payload.label ?? ''));
    setClient(c);
    c.send('component', 'list');
  }, [onMessage, toast]);

  const openGraph = useCallback(async (id: string) => {
    if (!client) return;
    const reply = await client.request('component', 'getsource', { name: `${GRAPH_PREFIX}${id}` }, 'source', (m) => m.payload.name === id);
    const { code, language } = reply.payload as { code: string; language: string };
    const parsed = (language === 'fbp' ? fbp.parse(code, { caseSensitive: true }) : JSON.parse(code)) as Partial<GraphJson>;
    setCurrent(id);
    currentRef.current = id;
    setGraph(normalise(parsed));
    setSelectedNodes([]);
    setPreviews(new Map());
    setWatched(new Map());
    setErrors(new Map());
    setNetworkError(undefined);
    setOutput(undefined);
    setRunning(false);
    // Previews only for the edges the designer selects.
    if (canRun || capabilities.includes('network:data')) client.send('network', 'edges', { graph: id, edges: [] });
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  }, [client, canRun, capabilities]);

  const createGraph = useCallback(async (id: string) => {
    if (!client) return;
    await client.request('graph', 'clear', { id, name: id }, 'clear', (m) => m.payload.id === id);
    await openGraph(id);
  }, [client, openGraph]);

  useEffect(() => {
    const saved = sessionStorage.getItem(SECRET_KEY);
    if (saved && !client) connect(saved).catch(() => sessionStorage.removeItem(SECRET_KEY));
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (client && !current && wanted && graphIds.includes(wanted)) void openGraph(wanted).catch((e) => toast(String(e.message)));
  }, [client, current, graphIds, openGraph, toast]);

  const send = useCallback((command: string, payload: Record<string, unknown>) => {
    if (client && current) client.send('graph', command, { ...payload, graph: current });
  }, [client, current]);

  const sendRef = useRef(send);
  sendRef.current = send;
  const [, setHistoryVersion] = useState(0);
  const edits = useMemo(() => new EditHistory((c) => sendRef.current(c[0], c[1])), [current]); // eslint-disable-line react-hooks/exhaustive-deps
  const perform = useCallback((edit: Edit) => { edits.perform(edit); setHistoryVersion((v) => v + 1); }, [edits]);
  const undo = useCallback(() => { if (edits.undo()) setHistoryVersion((v) => v + 1); }, [edits]);
  const redo = useCallback(() => { if (edits.redo()) setHistoryVersion((v) => v + 1); }, [edits]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (!canEdit || !(e.ctrlKey || e.metaKey) || target?.closest('input, textarea, select')) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) undo();
      else if ((key === 'z' && e.shiftKey) || key === 'y') redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canEdit, undo, redo]);

  const graphActions: CanvasActions & InspectorActions = useMemo(() => {
    const removeElements = (nodes: string[], edges: { src: { node: string; port: string }; tgt: { node: string; port: string } }[]) => {
      if (!graph) return;
      const gone = new Set(nodes);
      const loose = edges.filter((e) => !gone.has(e.src.node) && !gone.has(e.tgt.node));
      const restore = [...nodes.flatMap((id) => restoreNode(graph, id)), ...loose.map((e): Command => {
        const c = graph.connections.find((x) => x.src && x.src.process === e.src.node && x.src.port === e.src.port && x.tgt.process === e.tgt.node && x.tgt.port === e.tgt.port);
        return ['addedge', { ...e, ...(c?.metadata ? { metadata: c.metadata } : {}) }];
      })];
      // Nodes first, then what connects them; an edge between two removed nodes only once.
      const seen = new Set<string>();
      const backward = [...restore.filter((c) => c[0] === 'addnode'), ...restore.filter((c) => c[0] !== 'addnode')]
        .filter((c) => { const k = JSON.stringify(c); if (seen.has(k)) return false; seen.add(k); return true; });
      perform({ forward: [...loose.map((e): Command => ['removeedge', e]), ...nodes.map((id): Command => ['removenode', { id }])], backward });
      setSelectedNodes((prev) => (prev.some((id) => gone.has(id)) ? [] : prev));
    };
    return {
      addNode(component, position) {
        const base = component.slice(component.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9_-]/g, '');
        let id = base;
        for (let i = 2; graph?.processes[id]; i++) id = `${base}${i}`;
        perform({ forward: [['addnode', { id, component, metadata: { x: Math.round(position.x), y: Math.round(position.y) } }]], backward: [['removenode', { id }]] });
        return id;
      },
      moveNodes(moves) {
        const forward: Command[] = [], backward: Command[] = [];
        for (const [id, pos] of moves) {
          const m = graph?.processes[id]?.metadata ?? {};
          forward.push(['changenode', { id, metadata: { x: Math.round(pos.x), y: Math.round(pos.y) } }]);
          backward.push(['changenode', { id, metadata: { x: typeof m.x === 'number' ? m.x : null, y: typeof m.y === 'number' ? m.y : null } }]);
        }
        perform({ forward, backward });
      },
      removeNode(id) { removeElements([id], []); },
      removeElements,
      addEdge(src, tgt) { perform({ forward: [['addedge', { src, tgt }]], backward: [['removeedge', { src, tgt }]] }); },
      // React Flow reports the selection again whenever its handlers change: an unchanged
      // selection must not re-render (that would hand it new handlers, and loop).
      selectNodes: (ids) => setSelectedNodes((prev) => (prev.length === ids.length && prev.every((id, i) => id === ids[i]) ? prev : ids)),
      addGroup(name, nodes) { perform({ forward: [['addgroup', { name, nodes }]], backward: [['removegroup', { name }]] }); },
      removeGroup(name) {
        const group = graph?.groups?.find((g) => g.name === name);
        if (group) perform({ forward: [['removegroup', { name }]], backward: [['addgroup', { name, nodes: group.nodes, ...(group.metadata ? { metadata: group.metadata } : {}) }]] });
      },
      toggleWatch(key, src, tgt) {
        const next = new Map(watched);
        if (next.has(key)) next.delete(key);
        else next.set(key, { src, tgt });
        setWatched(next);
        if (client && current) client.send('network', 'edges', { graph: current, edges: [...next.values()] });
      },
      refuse(reason) { toast(`Connection refused: ${reason}`); },
      setInitial(node, port, value) {
        const old = graph ? initialOf(graph, node, port) : undefined;
        const tgt = { node, port };
        perform({
          forward: [...(old ? [['removeinitial', { tgt }] as Command] : []), ['addinitial', { src: { data: value }, tgt }]],
          backward: [['removeinitial', { tgt }], ...(old ? [['addinitial', { src: { data: old.data }, tgt }] as Command] : [])],
        });
      },
      removeInitial(node, port) {
        const old = graph ? initialOf(graph, node, port) : undefined;
        if (old) perform({ forward: [['removeinitial', { tgt: { node, port } }]], backward: [['addinitial', { src: { data: old.data }, tgt: { node, port } }]] });
      },
      exportPort(kind, name, node, port, metadata) {
        perform({
          forward: [[kind === 'in' ? 'addinport' : 'addoutport', { public: name, node, port, metadata }]],
          backward: [[kind === 'in' ? 'removeinport' : 'removeoutport', { public: name }]],
        });
      },
      unexportPort(kind, name) {
        const ref = (kind === 'in' ? graph?.inports : graph?.outports)?.[name];
        if (!ref) return;
        perform({
          forward: [[kind === 'in' ? 'removeinport' : 'removeoutport', { public: name }]],
          backward: [[kind === 'in' ? 'addinport' : 'addoutport', { public: name, node: ref.process, port: ref.port, ...(ref.metadata ? { metadata: ref.metadata } : {}) }]],
        });
      },
      setPortMetadata(kind, name, metadata) {
        // No command changes an export's metadata: it is exported again with the new one.
        const ref = (kind === 'in' ? graph?.inports : graph?.outports)?.[name];
        if (!ref) return;
        const [remove, add] = kind === 'in' ? ['removeinport', 'addinport'] : ['removeoutport', 'addoutport'];
        const again = (m: Record<string, unknown> | undefined): Command[] => [[remove, { public: name }], [add, { public: name, node: ref.process, port: ref.port, ...(m ? { metadata: m } : {}) }]];
        perform({ forward: again(metadata), backward: again(ref.metadata) });
      },
      setProperties(properties) {
        // No graph:* command changes properties: the whole graph goes back as its source, as Flowhub does.
        if (!client || !current || !graph) return;
        client.send('component', 'source', { name: current, library: 'graphs', language: 'json', code: JSON.stringify({ ...graph, properties }) });
        setGraph({ ...graph, properties });
      },
    };
  }, [client, current, graph, perform, toast, watched]);

  const run = () => {
    if (!client || !current) return;
    client.send('network', running ? 'stop' : 'start', { graph: current });
  };
  const upload = (file: File) => {
    const reader = new FileReader();
    reader.onload = () => client?.send('runtime', 'packet', { graph: current, port: 'input', event: 'data', payload: reader.result });
    reader.readAsDataURL(file);
  };

  const watchedKeys = useMemo(() => new Set(watched.keys()), [watched]);
  if (!client) return <ConnectForm onConnect={connect} />;
  const list = [...components.values()];
  return (
    <div className={`editor${canEdit ? '' : ' read-only'}`}>
      <header>
        <strong>imgflow editor</strong>
        <span className="muted">{label}{canEdit ? '' : ' · read-only'}</span>
        {current ? (
          <span className="live">
            <button type="button" className="run" onClick={run} disabled={!canRun}>{running ? '■ Stop' : '▶ Run'}</button>
            <label className="upload">Sample image <input type="file" accept="image/*" disabled={!canRun} onChange={(e) => e.target.files?.[0] && upload(e.target.files[0])} /></label>
            <a href={`/graph/${encodeURIComponent(current)}.png`} target="_blank" rel="noreferrer">/graph/{current}.png</a>
          </span>
        ) : null}
        {current && canEdit ? (
          <span className="history">
            <button type="button" className="undo" onClick={undo} disabled={!edits.canUndo} title="Undo (Ctrl+Z)">↶ Undo</button>
            <button type="button" className="redo" onClick={redo} disabled={!edits.canRedo} title="Redo (Ctrl+Shift+Z)">↷ Redo</button>
          </span>
        ) : null}
        <button type="button" onClick={() => { sessionStorage.removeItem(SECRET_KEY); client.close(); }}>Disconnect</button>
      </header>
      <aside className="left">
        <h4>Graphs</h4>
        <GraphList graphs={graphIds} current={current} canEdit={canEdit} onOpen={(id) => void openGraph(id).catch((e) => toast(String(e.message)))} onCreate={(id) => void createGraph(id).catch((e) => toast(String(e.message)))}
          onRename={(from, to) => client.send('graph', 'rename', { from, to })} onDelete={(id) => client.send('graph', 'delete', { id })} />
        <h4>Components</h4>
        <Palette components={list} disabled={!canEdit || !graph} onAdd={(name) => graphActions.addNode(name, { x: 40, y: 40 + 30 * Object.keys(graph?.processes ?? {}).length })} />
      </aside>
      <main>
        {graph && current ? (
          <ReactFlowProvider>
            <Canvas key={current} graph={graph} defs={components} previews={previews} watched={watchedKeys} errors={errors} canEdit={canEdit} actions={graphActions} />
          </ReactFlowProvider>
        ) : <p className="hint">Open a graph, or create one.</p>}
        {networkError ? <div className="network-error">{networkError}</div> : null}
      </main>
      <aside className="right">
        {graph && current ? <Inspector graph={graph} graphId={current} node={selectedNode} selection={selectedNodes} defs={components} canEdit={canEdit} actions={graphActions} /> : null}
        {output ? (
          <figure className="output">
            <img src={output.url} alt="output" />
            <figcaption>output {output.width}×{output.height}</figcaption>
          </figure>
        ) : null}
      </aside>
      <div className="toasts">{toasts.map((t) => <div key={t.id} className={`toast ${t.kind}`} role="alert">{t.text}</div>)}</div>
    </div>
  );
}

function ConnectForm({ onConnect }: { onConnect(secret: string): Promise<void> }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string>();
  return (
    <form className="connect" onSubmit={(e) => { e.preventDefault(); setError(undefined); onConnect(secret).catch((err: Error) => setError(err.message)); }}>
      <h2>imgflow editor</h2>
      <p>Connect to this server's FBP runtime ({runtimeAddress()}) with its secret (IMGFLOW_RUNTIME_SECRET, or the read secret for read-only). It is kept in this tab only.</p>
      <input type="password" name="secret" placeholder="runtime secret" value={secret} onChange={(e) => setSecret(e.target.value)} autoFocus />
      <button type="submit">Connect</button>
      {error ? <p className="error" role="alert">{error}</p> : null}
    </form>
  );
}
