/**
 * The graph drawn with @xyflow/react. Nodes and edges are rebuilt from the runtime's graph
 * whenever it changes; only a drag in progress lives here until it is saved as x/y metadata.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  applyEdgeChanges, applyNodeChanges, Background, Controls, MiniMap, ReactFlow, useReactFlow, ViewportPortal,
  type Connection as FlowConnection, type EdgeChange, type NodeChange, type OnSelectionChangeParams,
} from '@xyflow/react';
import { incompatibility, type ComponentDef } from './components.ts';
import type { GraphJson } from './graph.ts';
import { layoutGraph, needsLayout, nodeSize } from './layout.ts';
import { NodeView, type OpNode } from './NodeView.tsx';
import { DRAG_TYPE } from './Palette.tsx';
import { PreviewEdge, type FlowEdge } from './PreviewEdge.tsx';
import { edgeKey, type Preview } from './App.tsx';

type Port = { node: string; port: string };

export interface CanvasActions {
  addNode(component: string, position: { x: number; y: number }): string;
  moveNodes(moves: Map<string, { x: number; y: number }>): void;
  /** One edit: the edges first (those of removed nodes go with them), then the nodes. */
  removeElements(nodes: string[], edges: { src: Port; tgt: Port }[]): void;
  addEdge(src: Port, tgt: Port): void;
  selectNodes(ids: string[]): void;
  /** Watches an edge's images (or stops): its previews show while other things are edited. */
  toggleWatch(edge: string, src: Port, tgt: Port): void;
  refuse(reason: string): void;
}

const nodeTypes = { op: NodeView };
const edgeTypes = { preview: PreviewEdge };

export function Canvas({ graph, defs, previews, watched, errors, canEdit, actions }: {
  graph: GraphJson; defs: Map<string, ComponentDef>; previews: Map<string, Preview>; watched: Set<string>; errors: Map<string, string>; canEdit: boolean; actions: CanvasActions;
}) {
  const flow = useReactFlow();
  const [auto, setAuto] = useState<Map<string, { x: number; y: number }>>();
  const [nodes, setNodes] = useState<OpNode[]>([]);
  const [edges, setEdges] = useState<FlowEdge[]>([]);
  const layoutWanted = useMemo(() => needsLayout(graph, defs), [graph, defs]);

  useEffect(() => {
    if (!layoutWanted) return setAuto(undefined);
    let live = true;
    void layoutGraph(graph, defs).then((positions) => { if (live) setAuto(positions); });
    return () => { live = false; };
  }, [graph, defs, layoutWanted]);

  // The first fit happens before ELK answers: fit again once its positions are drawn.
  const fitted = useRef(false);
  useEffect(() => {
    if (!auto || fitted.current) return;
    const frame = requestAnimationFrame(() => { fitted.current = true; void flow.fitView({ padding: 0.2, maxZoom: 1 }); });
    return () => cancelAnimationFrame(frame);
  }, [auto, flow]);

  useEffect(() => {
    const exported = new Map<string, Set<string>>();
    for (const [kind, ports] of [['in', graph.inports], ['out', graph.outports]] as const) {
      for (const ref of Object.values(ports ?? {})) {
        if (!exported.has(ref.process)) exported.set(ref.process, new Set());
        exported.get(ref.process)!.add(`${kind}:${ref.port}`);
      }
    }
    setNodes((prev) => {
      const before = new Map(prev.map((n) => [n.id, n]));
      return Object.entries(graph.processes).map(([id, proc], i) => {
        const m = proc.metadata ?? {};
        const saved = typeof m.x === 'number' && typeof m.y === 'number' ? { x: m.x, y: m.y } : undefined;
        const position = (layoutWanted ? auto?.get(id) : saved) ?? saved ?? { x: 40 + 240 * i, y: 40 };
        const data = { def: defs.get(proc.component), component: proc.component, error: errors.get(id), exported: exported.get(id) ?? new Set<string>() };
        // Keeping what React Flow measured (and the selection): a node it has to measure
        // again hides its edges for a frame, and watched previews would blink.
        const old = before.get(id);
        return old ? { ...old, position, data } : { id, type: 'op' as const, position, data };
      });
    });
  }, [graph, defs, errors, auto, layoutWanted]);

  useEffect(() => {
    setEdges((prev) => {
      const selected = new Set(prev.filter((e) => e.selected).map((e) => e.id));
      return graph.connections.filter((c) => c.src).map((c) => {
        const id = edgeKey({ node: c.src!.process, port: c.src!.port }, { node: c.tgt.process, port: c.tgt.port });
        return {
          id, type: 'preview' as const, source: c.src!.process, sourceHandle: c.src!.port, target: c.tgt.process, targetHandle: c.tgt.port,
          selected: selected.has(id), className: watched.has(id) ? 'watched' : undefined,
          data: { preview: watched.has(id) ? previews.get(id) : undefined },
        };
      });
    });
  }, [graph, previews, watched]);

  const onNodesChange = useCallback((changes: NodeChange<OpNode>[]) => {
    // Removals are sent to the runtime (onNodesDelete); the runtime's answer redraws.
    setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), ns));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    setEdges((es) => applyEdgeChanges(changes.filter((c) => c.type !== 'remove'), es));
  }, []);

  const portDef = (node: string, port: string, dir: 'in' | 'out') => {
    const def = defs.get(graph.processes[node]?.component ?? '');
    return (dir === 'in' ? def?.inPorts : def?.outPorts)?.find((p) => p.id === port);
  };

  const onConnect = useCallback((c: FlowConnection) => {
    if (!c.sourceHandle || !c.targetHandle) return;
    const why = c.source === c.target ? 'a node cannot feed itself'
      : incompatibility(portDef(c.source, c.sourceHandle, 'out'), portDef(c.target, c.targetHandle, 'in'));
    if (why) return actions.refuse(why);
    actions.addEdge({ node: c.source, port: c.sourceHandle }, { node: c.target, port: c.targetHandle });
  }, [graph, defs, actions]); // eslint-disable-line react-hooks/exhaustive-deps

  const onNodeDragStop = useCallback((_e: unknown, _node: OpNode, dragged: OpNode[]) => {
    // A graph drawn by the automatic layout keeps it: every node's position is saved with the move.
    const moves = new Map((layoutWanted ? nodes : []).map((n) => [n.id, n.position]));
    for (const n of dragged) moves.set(n.id, n.position);
    actions.moveNodes(moves);
  }, [nodes, layoutWanted, actions]);

  const onSelectionChange = useCallback(({ nodes: ns }: OnSelectionChangeParams) => {
    actions.selectNodes(ns.map((n) => n.id));
  }, [actions]);

  const onDrop = useCallback((e: React.DragEvent) => {
    const component = e.dataTransfer.getData(DRAG_TYPE);
    if (!component || !canEdit) return;
    e.preventDefault();
    actions.addNode(component, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  }, [actions, canEdit, flow]);

  return (
    <div className="canvas" onDragOver={(e) => { if (canEdit) { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; } }} onDrop={onDrop}>
      <ReactFlow<OpNode, FlowEdge>
        nodes={nodes} edges={edges} nodeTypes={nodeTypes} edgeTypes={edgeTypes}
        onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} onConnect={onConnect}
        onDelete={({ nodes: ns, edges: es }) => actions.removeElements(ns.map((n) => n.id), es.map((e) => ({ src: { node: e.source, port: e.sourceHandle ?? '' }, tgt: { node: e.target, port: e.targetHandle ?? '' } })))}
        onNodeDragStop={onNodeDragStop} onSelectionChange={onSelectionChange}
        onEdgeClick={(_e, e) => actions.toggleWatch(e.id, { node: e.source, port: e.sourceHandle ?? '' }, { node: e.target, port: e.targetHandle ?? '' })}
        nodesDraggable={canEdit} nodesConnectable={canEdit} elementsSelectable deleteKeyCode={canEdit ? ['Backspace', 'Delete'] : null}
        fitView fitViewOptions={{ padding: 0.2, maxZoom: 1 }} minZoom={0.2} proOptions={{ hideAttribution: true }}
      >
        <ViewportPortal>
          {(graph.groups ?? []).map((group) => <GroupBox key={group.name} name={group.name} nodes={nodes.filter((n) => group.nodes.includes(n.id))} />)}
        </ViewportPortal>
        <Background />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable />
      </ReactFlow>
    </div>
  );
}

/** A group (graph.groups) drawn as a labelled box around its nodes, behind them. */
function GroupBox({ name, nodes }: { name: string; nodes: OpNode[] }) {
  if (nodes.length === 0) return null;
  const pad = 16;
  const boxes = nodes.map((n) => ({ ...n.position, ...nodeSize(n.data.def) }));
  const x = Math.min(...boxes.map((b) => b.x)) - pad, y = Math.min(...boxes.map((b) => b.y)) - pad - 18;
  const width = Math.max(...boxes.map((b) => b.x + b.width)) + pad - x, height = Math.max(...boxes.map((b) => b.y + b.height)) + pad - y;
  return <div className="group-box" data-group={name} style={{ transform: `translate(${x}px, ${y}px)`, width, height }}><span>{name}</span></div>;
}
