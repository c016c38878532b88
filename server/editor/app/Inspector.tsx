/**
 * The selected node's parameters (IIPs) with typed widgets and its ports' export switches;
 * without a selection, the graph's properties and its exported ports with their metadata.
 */
import { useEffect, useRef, useState } from 'react';
import { rangeOf, type ComponentDef, type PortDef } from './components.ts';
import { initialOf, type GraphJson } from './graph.ts';
import { ParamWidget } from './widgets.tsx';

export interface InspectorActions {
  setInitial(node: string, port: string, value: unknown): void;
  removeInitial(node: string, port: string): void;
  exportPort(kind: 'in' | 'out', name: string, node: string, port: string, metadata: Record<string, unknown>): void;
  unexportPort(kind: 'in' | 'out', name: string): void;
  setPortMetadata(kind: 'in' | 'out', name: string, metadata: Record<string, unknown>): void;
  setProperties(props: Record<string, unknown>): void;
  removeNode(node: string): void;
  addGroup(name: string, nodes: string[]): void;
  removeGroup(name: string): void;
}

function exportedName(g: GraphJson, kind: 'in' | 'out', node: string, port: string): string | undefined {
  const ports = (kind === 'in' ? g.inports : g.outports) ?? {};
  return Object.entries(ports).find(([, r]) => r.process === node && r.port === port)?.[0];
}

function portMetadata(p: PortDef): Record<string, unknown> {
  const { min, max } = rangeOf(p);
  return {
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(p.description ? { description: p.description } : {}),
    type: p.type,
  };
}

function ExportToggle({ g, kind, node, port, def, canEdit, actions }: { g: GraphJson; kind: 'in' | 'out'; node: string; port: string; def: PortDef; canEdit: boolean; actions: InspectorActions }) {
  const name = exportedName(g, kind, node, port);
  if (name) {
    return <button type="button" className="export on" data-export={`${kind}:${port}`} disabled={!canEdit} title={`Exported as ${name}: click to stop exporting`} onClick={() => actions.unexportPort(kind, name)}>⇄ {name}</button>;
  }
  const taken = new Set(Object.keys((kind === 'in' ? g.inports : g.outports) ?? {}));
  let pub = port;
  for (let i = 2; taken.has(pub); i++) pub = `${port}${i}`;
  return <button type="button" className="export" data-export={`${kind}:${port}`} disabled={!canEdit} title={`Export as graph ${kind}port ${pub}`} onClick={() => actions.exportPort(kind, pub, node, port, portMetadata(def))}>export</button>;
}

export function Inspector({ graph, graphId, node, selection, defs, canEdit, actions }: {
  graph: GraphJson; graphId: string; node?: string; selection: string[]; defs: Map<string, ComponentDef>; canEdit: boolean; actions: InspectorActions;
}) {
  if (selection.length > 1) return <GroupForm graph={graph} nodes={selection} canEdit={canEdit} actions={actions} />;
  if (node && graph.processes[node]) {
    const proc = graph.processes[node];
    const def = defs.get(proc.component);
    return (
      <div className="inspector" data-node={node}>
        <h3>{node}</h3>
        <p className="muted">{proc.component}{def?.description ? `: ${def.description}` : ''}</p>
        <table>
          <tbody>
            {(def?.inPorts ?? []).map((p) => {
              const iip = initialOf(graph, node, p.id);
              const wired = graph.connections.some((c) => c.src && c.tgt.process === node && c.tgt.port === p.id);
              return (
                <tr key={p.id} data-port={p.id} title={p.description}>
                  <th>{p.id}<small>{p.type}</small></th>
                  <td>
                    {p.type === 'buffer' ? <span className="muted">{wired ? 'connected' : 'image'}</span>
                      : wired ? <span className="muted">connected</span>
                        : <ParamWidget port={p} value={iip?.data} disabled={!canEdit} onChange={(v) => actions.setInitial(node, p.id, v)} />}
                    {iip && canEdit ? <button type="button" className="reset" title="Back to the default" onClick={() => actions.removeInitial(node, p.id)}>↺</button> : null}
                  </td>
                  <td><ExportToggle g={graph} kind="in" node={node} port={p.id} def={p} canEdit={canEdit} actions={actions} /></td>
                </tr>
              );
            })}
            {(def?.outPorts ?? []).map((p) => (
              <tr key={`out-${p.id}`} data-outport={p.id}>
                <th>{p.id}<small>{p.type} out</small></th>
                <td />
                <td><ExportToggle g={graph} kind="out" node={node} port={p.id} def={p} canEdit={canEdit} actions={actions} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {canEdit ? <button type="button" className="danger" onClick={() => actions.removeNode(node)}>Delete node</button> : null}
      </div>
    );
  }
  return <GraphProperties key={`${graphId}:${String(graph.properties?.description ?? '')}`} graph={graph} graphId={graphId} canEdit={canEdit} actions={actions} />;
}

function GroupForm({ graph, nodes, canEdit, actions }: { graph: GraphJson; nodes: string[]; canEdit: boolean; actions: InspectorActions }) {
  const [name, setName] = useState('');
  const taken = (graph.groups ?? []).some((g) => g.name === name);
  return (
    <div className="inspector group-form">
      <h3>{nodes.length} nodes</h3>
      <p className="muted">{nodes.join(', ')}</p>
      {canEdit ? (
        <form onSubmit={(e) => { e.preventDefault(); if (name && !taken) { actions.addGroup(name, nodes); setName(''); } }}>
          <input name="group-name" placeholder="group name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={!name || taken}>Group</button>
        </form>
      ) : null}
    </div>
  );
}

function GraphProperties({ graph, graphId, canEdit, actions }: { graph: GraphJson; graphId: string; canEdit: boolean; actions: InspectorActions }) {
  const props = graph.properties ?? {};
  const [description, setDescription] = useState(typeof props.description === 'string' ? props.description : '');
  const exported = (kind: 'in' | 'out') => Object.entries((kind === 'in' ? graph.inports : graph.outports) ?? {});
  return (
    <div className="inspector graph-properties">
      <h3>{graphId}</h3>
      <label>Description
        <textarea name="description" value={description} disabled={!canEdit} onChange={(e) => setDescription(e.target.value)}
          onBlur={() => description !== (props.description ?? '') && actions.setProperties({ ...props, description })} />
      </label>
      <h4>Groups</h4>
      {(graph.groups ?? []).length === 0 ? <p className="muted">none</p> : (
        <table className="groups">
          <tbody>
            {(graph.groups ?? []).map((g) => (
              <tr key={g.name} data-group={g.name}>
                <th>{g.name}</th>
                <td>{g.nodes.join(', ')}</td>
                <td>{canEdit ? <button type="button" title="Ungroup" onClick={() => actions.removeGroup(g.name)}>✕</button> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(['in', 'out'] as const).map((kind) => (
        <div key={kind}>
          <h4>{kind === 'in' ? 'Inports' : 'Outports'}</h4>
          {exported(kind).length === 0 ? <p className="muted">none</p> : (
            <table className="exported">
              <tbody>
                {exported(kind).map(([name, ref]) => (
                  <tr key={name} data-exported={`${kind}:${name}`}>
                    <th>{name}<small>{ref.process}.{ref.port}</small></th>
                    <td><PortMetadata metadata={ref.metadata ?? {}} canEdit={canEdit} onSave={(m) => actions.setPortMetadata(kind, name, m)} /></td>
                    <td>{canEdit ? <button type="button" title="Stop exporting" onClick={() => actions.unexportPort(kind, name)}>✕</button> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </div>
  );
}

const META_FIELDS = ['min', 'max', 'default', 'description'] as const;

/** An exported port's metadata: min, max and default (numbers where they parse) and description. */
function PortMetadata({ metadata, canEdit, onSave }: { metadata: Record<string, unknown>; canEdit: boolean; onSave(m: Record<string, unknown>): void }) {
  const shown = (m: Record<string, unknown>) => Object.fromEntries(META_FIELDS.map((k) => [k, m[k] === undefined ? '' : String(m[k])]));
  const [draft, setDraft] = useState(() => shown(metadata));
  const previous = useRef(shown(metadata));
  // The runtime's answer (or another client's edit) updates the fields not being edited here.
  const incoming = JSON.stringify(shown(metadata));
  useEffect(() => {
    const next = shown(metadata);
    setDraft((d) => Object.fromEntries(META_FIELDS.map((k) => [k, d[k] === previous.current[k] ? next[k] : d[k]])));
    previous.current = next;
  }, [incoming]); // eslint-disable-line react-hooks/exhaustive-deps
  const save = () => {
    const next: Record<string, unknown> = { ...metadata };
    for (const k of META_FIELDS) {
      const v = draft[k].trim();
      if (v === '') delete next[k];
      else next[k] = k !== 'description' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    if (JSON.stringify(next) !== JSON.stringify(metadata)) onSave(next);
  };
  return (
    // Saved when focus leaves the whole form (or on Enter): re-exporting a port redraws its row.
    <div className="port-metadata" onBlur={(e) => { if (!e.currentTarget.contains(e.relatedTarget as Node | null)) save(); }}>
      {typeof metadata.type === 'string' ? <small className="muted">{metadata.type}</small> : null}
      {META_FIELDS.map((k) => (
        <label key={k}>{k}
          <input name={`meta-${k}`} value={draft[k]} disabled={!canEdit} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
            onKeyDown={(e) => { if (e.key === 'Enter') save(); }} />
        </label>
      ))}
    </div>
  );
}
